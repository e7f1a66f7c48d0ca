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
    /// that another instance holds it.</summary>
    public void Acquire()
    {
        if (_file is not null) return;
        try
        {
            _file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new DatabaseUnavailableException(
                $"Another instance of the service uses the data folder {paths.Root} (it holds {Path}); two may not share one. Stop the other, " +
                $"or give this one its own {ServiceOptions.SectionName}:{nameof(ServiceOptions.DataFolder)}.");
        }
        // Which process holds it, for an operator who looks.
        _file.SetLength(0);
        using var writer = new StreamWriter(_file, leaveOpen: true);
        writer.WriteLine(Environment.ProcessId);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
