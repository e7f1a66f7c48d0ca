namespace Sdpo.Cli;

/// <summary>A command's -o/--output folder, created before any work: a path that cannot be a folder (a file, a folder
/// without write access) is found in a second, not after an evaluation or a training run that it then throws away.</summary>
public static class OutputFolder
{
    /// <summary>Creates <paramref name="folder"/> if it is missing; throws <see cref="IOException"/> naming -o/--output when it cannot.</summary>
    public static void Create(string folder)
    {
        if (File.Exists(folder)) throw new IOException($"-o/--output: '{folder}' is a file, not a folder.");
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IOException($"-o/--output: the folder '{folder}' cannot be created: {ex.Message}", ex);
        }
    }
}
