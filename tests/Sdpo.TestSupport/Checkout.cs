namespace Sdpo.TestSupport;

/// <summary>Paths inside the checkout the tests run from (the folder holding Sdpo.Service.sln above the test binaries).</summary>
public static class Checkout
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    public static string Root => RootFolder.Value;

    /// <summary>The embedded default model that the repository ships.</summary>
    public static string EmbeddedModel => Path.Combine(Root, "src", "models", "arithmetic");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sdpo.Service.sln"))) return dir.FullName;
        throw new InvalidOperationException("Sdpo.Service.sln not found above the test binaries.");
    }
}
