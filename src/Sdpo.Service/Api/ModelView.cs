using Sdpo.Engine.Discovery;
using Sdpo.Service.Engines;
using Sdpo.Service.OpenApi;

namespace Sdpo.Service.Api;

/// <summary>A configured model: <c>state</c> is unloaded, loading, loaded or failed; <c>reason</c> says
/// why a failed model cannot be used (submissions naming it answer 503); <c>contextLength</c> and
/// <c>sdpoDefaults</c> (what a request's left-out SDPO fields become: the checkpoint's sdpo_defaults.json over
/// the paper's defaults; every option is written, see <c>ServiceJson</c>) are known once loaded. <c>threads</c> is the configured number of LibTorch CPU threads
/// (null: LibTorch's default, one per core).</summary>
public sealed record ModelView(string Name, string Device, string Dtype, bool IsDefault, ModelState State, string? Reason, int? ContextLength,
    SdpoOptions? SdpoDefaults = null, int? Threads = null)
{
    public static ModelView Example => new("arithmetic", "cpu", "float32", true, ModelState.Loaded, null, 384,
        // The embedded model's sdpo_defaults.json over the paper's defaults; every option is shown.
        new SdpoOptions { Divergence = DivergenceKind.ForwardKl, Teacher = TeacherKind.Frozen, UpdatesPerBatch = 1, MaxDistilledAttempts = 1 }, Threads: 1);

    public static ModelView From(ModelInfo model, ModelAvailability availability) =>
        new(model.Name, model.Device, model.Dtype, model.IsDefault, availability.State, availability.Reason, availability.ContextLength, availability.SdpoDefaults,
            model.Threads);
}

/// <summary>Whether the service can take work: "healthy" when the database answers, takes the runs' writes and a configured
/// model has not failed to load (<c>modelsLoaded</c> of them ready now, <c>modelsFailed</c> failed), else "unhealthy" with 503;
/// "degraded" (still 200) when it is otherwise healthy but Python verifications cannot run here: python and p3 problems get 503,
/// others are served. <c>writes</c> is "ok", or why the database refuses writes and since when (they are retried, and
/// <c>writeBacklog</c> of them wait). <c>queuedRuns</c> wait in the devices' queues; <c>activeRuns</c> are being executed by a
/// worker now. <c>pythonVerifiers</c> is "available", or "unavailable: " and why (python3 cannot be started, or the sandbox
/// is required and unavailable; tested once per process, so fix the setting and restart).</summary>
public sealed record HealthReport([property: WireValues("healthy", "degraded", "unhealthy")] string Status, string Database, string Writes, int WriteBacklog,
    int Models, int ModelsLoaded, int ModelsFailed, int QueuedRuns, int ActiveRuns, string PythonVerifiers)
{
    public static HealthReport Example => new("healthy", "ok", "ok", 0, 1, 1, 0, 0, 1, "available");
}
