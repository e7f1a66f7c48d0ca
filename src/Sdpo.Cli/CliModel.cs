using Sdpo.Engine;

namespace Sdpo.Cli;

/// <summary>Where the commands find their model: --model, else src/models/arithmetic of the checkout they run in.</summary>
public static class CliModel
{
    public const string DefaultRelativeFolder = "src/models/arithmetic";

    /// <summary>The model folder to load; throws <see cref="DirectoryNotFoundException"/> naming --model when it is missing.</summary>
    public static string ResolveFolder(string? option)
    {
        if (option is not null)
        {
            var given = Path.GetFullPath(option);
            return Directory.Exists(given) ? given : throw new DirectoryNotFoundException($"--model: the folder '{given}' does not exist.");
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "Sdpo.Service.sln"))) continue;
                var candidate = Path.Combine(dir.FullName, DefaultRelativeFolder);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"--model: no model given and {DefaultRelativeFolder} was not found in this checkout; train one with `sdpo pretrain -o <folder>` " +
            "(or `pretrain --quick` to try the pipeline) and pass --model <folder>.");
    }

    public static Task<LanguageModel> LoadAsync(string folder, string device) =>
        LanguageModel.LoadAsync(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), folder, device);
}
