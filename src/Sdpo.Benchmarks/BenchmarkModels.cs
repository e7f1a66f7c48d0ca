namespace Sdpo.Benchmarks;

/// <summary>The checkpoints the benchmarks run on: the embedded arithmetic model, and stories260k from ../shared
/// (or <c>SDPO_SHARED_DIR</c>) where it exists. Nothing is downloaded.</summary>
public static class BenchmarkModels
{
    public const string Embedded = "embedded";
    public const string Stories260k = "stories260k";

    /// <summary>The folder holding Sdpo.Service.sln, above the working directory or this program.</summary>
    public static string Checkout { get; } =
        new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }.Select(FindCheckoutAbove).FirstOrDefault(found => found is not null)
        ?? throw new InvalidOperationException($"Run the benchmarks from inside the checkout: no Sdpo.Service.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}.");

    /// <summary>The names of the models present here.</summary>
    public static IEnumerable<string> Available()
    {
        yield return Embedded;
        if (Directory.Exists(StoriesFolder)) yield return Stories260k;
    }

    public static string Folder(string name) => name switch
    {
        Embedded => Path.Combine(Checkout, "src", "models", "arithmetic"),
        Stories260k => StoriesFolder,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"Models: {Embedded}, {Stories260k}."),
    };

    private static string StoriesFolder =>
        Path.Combine(Environment.GetEnvironmentVariable("SDPO_SHARED_DIR") is { Length: > 0 } shared ? shared : Path.Combine(Checkout, "..", "shared"),
            "models", "stories260k");

    private static string? FindCheckoutAbove(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Sdpo.Service.sln"))) return folder.FullName;
        return null;
    }
}
