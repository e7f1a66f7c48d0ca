using Sdpo.Service.Configuration;

namespace Sdpo.Service.Persistence;

/// <summary>
/// An exclusive lock on <c>service.lock</c> in the data folder, held for the process's lifetime: two instances on one
/// folder both resumed the same runs, wrote the same state files and broke each other's cancels. .NET takes
/// FileShare.None on Unix as flock(LOCK_EX), which the kernel drops when the process dies, so a crash leaves no stale lock.
/// </summary>
public sealed class DataFolderLock(DataPaths paths) : IDisposable
{
    public const string FileName = "service.lock";

    private FileStream? _file;

    public string Path => System.IO.Path.Combine(paths.Root, FileName);

    /// <summary>Takes the lock (the data folder must exist), or throws <see cref="DatabaseUnavailableException"/> saying
    /// that another instance holds it, or that the lock file cannot be opened at all (a data folder the service's user cannot
    /// write, say), which is no sign of another instance.</summary>
    public void Acquire()
    {
        if (_file is not null) return;
        var setting = $"{ServiceOptions.SectionName}:{nameof(ServiceOptions.DataFolder)}";
        try
        {
            _file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (IsHeldElsewhere(ex))
        {
            throw new DatabaseUnavailableException(
                $"Another instance of the service uses the data folder {paths.Root} (it holds {Path}); two may not share one. Stop the other, " +
                $"or give this one its own {setting}.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatabaseUnavailableException(
                $"The lock file {Path} cannot be opened: {ex.Message} The service's user must be able to create and write it in {paths.Root}; " +
                $"fix the permissions or the mount, or set {setting} to a folder it can write to.");
        }
        // Which process holds it, for an operator who looks.
        _file.SetLength(0);
        using var writer = new StreamWriter(_file, leaveOpen: true);
        writer.WriteLine(Environment.ProcessId);
    }

    /// <summary>The lock taken by another open of the file: flock's EWOULDBLOCK, which .NET gives as the HResult (11 on
    /// Linux, 35 on macOS), or a sharing or lock violation on Windows.</summary>
    private static bool IsHeldElsewhere(IOException ex) => ex.HResult switch
    {
        11 => OperatingSystem.IsLinux(),
        35 => OperatingSystem.IsMacOS(),
        unchecked((int)0x80070020) or unchecked((int)0x80070021) => OperatingSystem.IsWindows(),
        _ => false,
    };

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
