namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// Finds third-party benchmark material in <c>../shared/</c> beside the checkout (the folder holding
/// Sdpo.Service.sln), looked for from the working directory and from the program's own folder.
/// <c>SDPO_SHARED_DIR</c> overrides the location. Nothing is ever downloaded.
/// </summary>
public static class SharedFolder
{
    public const string OverrideVariable = "SDPO_SHARED_DIR";

    /// <summary>The shared folder, or null where it is absent.</summary>
    public static string? Find()
    {
        var overridden = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(overridden)) return Directory.Exists(overridden) ? Path.GetFullPath(overridden) : null;
        var checkout = FindCheckout();
        if (checkout is null) return null;
        var shared = Path.GetFullPath(Path.Combine(checkout, "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }

    /// <summary>The checkout (the folder holding Sdpo.Service.sln) above the working directory or the program, or null.</summary>
    public static string? FindCheckout() =>
        new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }.Select(FindCheckoutAbove).FirstOrDefault(found => found is not null);

    /// <summary>The full path of <paramref name="relativePath"/> inside shared/; a <see cref="BenchmarkInputException"/>
    /// saying where it was looked for when it is absent.</summary>
    public static string Require(string relativePath, string purpose)
    {
        var root = Find();
        var path = root is null ? null : Path.Combine(root, relativePath);
        if (path is not null && (File.Exists(path) || Directory.Exists(path))) return path;
        var where = root is null
            ? $"no ../shared folder was found beside the checkout (looked upwards from {Environment.CurrentDirectory} and {AppContext.BaseDirectory} for Sdpo.Service.sln)"
            : $"{path} does not exist";
        throw new BenchmarkInputException(
            $"{purpose} needs shared/{relativePath}, but {where}. Set {OverrideVariable} to the shared folder or pass the input explicitly.");
    }

    private static string? FindCheckoutAbove(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sdpo.Service.sln"))) return dir.FullName;
        return null;
    }
}
