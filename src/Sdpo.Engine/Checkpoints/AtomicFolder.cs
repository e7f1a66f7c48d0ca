namespace Sdpo.Engine.Checkpoints;

/// <summary>
/// Writes a folder so that a reader finds it absent or complete, never half written: the contents go to a staging
/// sibling (<c>{folder}.saving-{id}</c>) that is renamed into place once complete. A folder already there is moved aside
/// (<c>{folder}.previous-{id}</c>) just before and removed after, so for that instant the folder is absent, not mixed; a
/// directory cannot be renamed over a non-empty one. A crash leaves at most such siblings, which
/// <see cref="RemoveLeftovers"/> clears.
/// </summary>
public static class AtomicFolder
{
    public const string StagingMarker = ".saving-";
    public const string PreviousMarker = ".previous-";

    /// <summary>Has <paramref name="writeContents"/> fill a fresh staging folder, then puts it in place of
    /// <paramref name="folder"/>. If writing fails, the folder is left as it was.</summary>
    public static void Write(string folder, Action<string> writeContents)
    {
        folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var staging = folder + StagingMarker + Guid.NewGuid().ToString("N");
        var previous = folder + PreviousMarker + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(staging);
            writeContents(staging);
            if (Directory.Exists(folder)) Directory.Move(folder, previous);
            try
            {
                Directory.Move(staging, folder);
            }
            catch when (!Directory.Exists(folder) && Directory.Exists(previous))
            {
                // Put the earlier one back rather than leave nothing.
                Directory.Move(previous, folder);
                throw;
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
    }

    /// <summary>
    /// Removes what a crash in <see cref="Write"/> left beside <paramref name="folder"/>: staging folders (maybe incomplete)
    /// and earlier versions moved aside. An earlier version is put back where the crash left no folder at all.
    /// </summary>
    public static void RemoveLeftovers(string folder)
    {
        folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var parent = Path.GetDirectoryName(folder);
        if (parent is null || !Directory.Exists(parent)) return;
        var name = Path.GetFileName(folder);
        foreach (var previous in Directory.EnumerateDirectories(parent, name + PreviousMarker + "*"))
        {
            if (!Directory.Exists(folder)) Directory.Move(previous, folder);
            else Directory.Delete(previous, recursive: true);
        }
        foreach (var staging in Directory.EnumerateDirectories(parent, name + StagingMarker + "*")) Directory.Delete(staging, recursive: true);
    }
}
