using Microsoft.Extensions.Options;

namespace Sdpo.Service.Configuration;

/// <summary>Where the database and each run's files live inside the data folder.</summary>
public sealed class DataPaths
{
    /// <summary>A relative data folder is taken from the folder of the settings file in use (<see cref="RootAppSettings.BaseDirectory"/>):
    /// the repository root in a checkout, the binaries' folder in a published build.</summary>
    public DataPaths(IOptions<ServiceOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(Path.Combine(RootAppSettings.BaseDirectory(environment.ContentRootPath), options.Value.DataFolder));
    }

    public string Root { get; }

    public string DatabaseFile => Path.Combine(Root, "sdpo.db");

    /// <summary>Where every run's folder is.</summary>
    public string RunsDirectory => Path.Combine(Root, "runs");

    public string RunDirectory(Guid runId) => Path.Combine(RunsDirectory, runId.ToString("D"));

    /// <summary>The engine's state folder for one method of a run: <c>runs/&lt;id&gt;/state</c> for the primary
    /// method, <c>runs/&lt;id&gt;/compare/&lt;method&gt;/state</c> for a comparison baseline.</summary>
    public string StateDirectory(Guid runId, string method, bool primary) =>
        primary
            ? Path.Combine(RunDirectory(runId), "state")
            : Path.Combine(RunDirectory(runId), "compare", method, "state");

    /// <summary>Drops what only resuming a method needs, once it has ended for good (the engine knows its layout); the
    /// adapter stays for <c>GET /solve/{id}/adapter</c>. Failing costs only disk, so it is logged rather than raised.</summary>
    public void DiscardResumeState(Guid runId, string method, bool primary, ILogger logger)
    {
        try
        {
            Sdpo.Engine.Discovery.DiscoveryLoop.DiscardResumeState(StateDirectory(runId, method, primary));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Could not remove the resume state of run {RunId} ({Method})", runId, method);
        }
    }

    /// <summary>A method's adapter in PEFT layout, which the engine writes when the method ends (SDPO trains one).</summary>
    public string AdapterDirectory(Guid runId, string method, bool primary) => Path.Combine(StateDirectory(runId, method, primary), "adapter");
}
