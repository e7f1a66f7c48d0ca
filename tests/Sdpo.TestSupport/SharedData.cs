namespace Sdpo.TestSupport;

/// <summary>
/// Locates the real third-party material in <c>../shared/</c> beside the checkout (present in CI, absent in a
/// user's clone). <c>SDPO_SHARED_DIR</c> overrides the location.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The shared folder, or null where it is absent.</summary>
    public static string? Directory => Root.Value;

    /// <summary>The full path of a file or folder inside shared/, or null where shared/ or the entry is absent.</summary>
    public static string? Find(string relativePath)
    {
        if (Directory is null) return null;
        var path = Path.Combine(Directory, relativePath);
        return File.Exists(path) || System.IO.Directory.Exists(path) ? path : null;
    }

    /// <summary>The full path of an entry that a test requires; fails clearly if it vanished after the skip check.</summary>
    public static string Require(string relativePath) =>
        Find(relativePath) ?? throw new FileNotFoundException($"shared/{relativePath} is missing", relativePath);

    private static string? FindRoot()
    {
        var overridden = Environment.GetEnvironmentVariable("SDPO_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden)) return System.IO.Directory.Exists(overridden) ? overridden : null;
        var shared = Path.GetFullPath(Path.Combine(Checkout.Root, "..", "shared"));
        return System.IO.Directory.Exists(shared) ? shared : null;
    }
}
