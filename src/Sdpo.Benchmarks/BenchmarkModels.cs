using Sdpo.Cli;
using Sdpo.Cli.Benchmarks;

namespace Sdpo.Benchmarks;

/// <summary>The checkpoints the benchmarks run on: the embedded arithmetic model, and stories260k from ../shared
/// (or <c>SDPO_SHARED_DIR</c>) where it exists, found as the <c>sdpo</c> command finds them. Nothing is downloaded.</summary>
public static class BenchmarkModels
{
    public const string Embedded = "embedded";
    public const string Stories260k = "stories260k";

    /// <summary>The folder holding Sdpo.Service.sln, above the working directory or this program.</summary>
    public static string Checkout { get; } = SharedFolder.FindCheckout()
        ?? throw new InvalidOperationException($"Run the benchmarks from inside the checkout: no Sdpo.Service.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}.");

    /// <summary>The names of the models present here.</summary>
    public static IEnumerable<string> Available()
    {
        yield return Embedded;
        if (StoriesFolder is not null) yield return Stories260k;
    }

    public static string Folder(string name) => name switch
    {
        Embedded => Path.Combine(Checkout, CliModel.DefaultRelativeFolder),
        Stories260k => StoriesFolder ?? throw new InvalidOperationException($"{Stories260k} needs ../shared/models/stories260k (or {SharedFolder.OverrideVariable})."),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"Models: {Embedded}, {Stories260k}."),
    };

    private static string? StoriesFolder
    {
        get
        {
            var folder = SharedFolder.Find() is { } shared ? Path.Combine(shared, "models", "stories260k") : null;
            return Directory.Exists(folder) ? folder : null;
        }
    }
}
