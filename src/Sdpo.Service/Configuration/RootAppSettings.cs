using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Sdpo.Service.Configuration;

/// <summary>
/// The service's settings live in the repository root's appsettings.json (beside Sdpo.Service.sln), so
/// `dotnet run --project src/Sdpo.Service` reads them whatever the content root is. Published builds carry
/// a copy of that file (and the embedded model) beside their binaries, which is where it is read from there,
/// whatever the working directory the service starts in.
/// </summary>
public static class RootAppSettings
{
    public const string FileName = "appsettings.json";

    /// <summary>Adds the root settings file just before the content root's own appsettings.json, so that
    /// environment-specific files, environment variables and the command line still override it.</summary>
    public static void AddRootAppSettings(this ConfigurationManager configuration, string contentRoot)
    {
        var rootFile = Find(contentRoot);
        if (rootFile is null) return;
        if (string.Equals(rootFile, Path.GetFullPath(Path.Combine(contentRoot, FileName)), StringComparison.Ordinal)) return;

        var source = new JsonConfigurationSource
        {
            Path = FileName,
            Optional = true,
            ReloadOnChange = false,
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(rootFile)!),
        };
        var sources = configuration.Sources;
        var index = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource json && string.Equals(json.Path, FileName, StringComparison.OrdinalIgnoreCase))
            {
                index = i;
                break;
            }
        }
        sources.Insert(index, source);
    }

    /// <summary>The folder relative settings paths (data folder, model folders) are taken from: the folder of the settings
    /// file in use (the repository root in a checkout, the binaries' folder in a published build, where the embedded model
    /// is copied too), else the content root when there is none.</summary>
    public static string BaseDirectory(string contentRoot) =>
        Find(contentRoot) is { } settingsFile ? Path.GetDirectoryName(settingsFile)! : Path.GetFullPath(contentRoot);

    /// <summary>The appsettings.json beside the nearest Sdpo.Service.sln above the content root or the binaries;
    /// else, in a published build, the copy beside the binaries.</summary>
    public static string? Find(string contentRoot) => Find(contentRoot, AppContext.BaseDirectory);

    internal static string? Find(string contentRoot, string binaries)
    {
        foreach (var start in new[] { contentRoot, binaries })
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, FileName);
                if (File.Exists(Path.Combine(dir.FullName, "Sdpo.Service.sln")) && File.Exists(candidate)) return candidate;
            }
        }
        var published = Path.Combine(binaries, FileName);
        return File.Exists(published) ? Path.GetFullPath(published) : null;
    }
}
