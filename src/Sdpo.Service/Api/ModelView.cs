using Sdpo.Engine.Discovery;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Api;

/// <summary>A configured model: <see cref="State"/> is unloaded, loading, loaded or failed; <see cref="Reason"/> says
/// why a failed model cannot be used (submissions naming it answer 503); <see cref="ContextLength"/> and
/// <see cref="SdpoDefaults"/> (what a request's left-out SDPO fields become: the checkpoint's sdpo_defaults.json over
/// the paper's defaults; every option is written, see <see cref="ServiceJson"/>) are known once loaded. <see cref="Threads"/> is the configured number of LibTorch CPU threads
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

/// <summary>Whether the service can take work: "healthy" when the database answers and a model is configured
/// (<see cref="ModelsLoaded"/> of them ready now), else "unhealthy" with 503.</summary>
public sealed record HealthReport(string Status, string Database, int Models, int ModelsLoaded, int QueuedRuns, int ActiveRuns)
{
    public static HealthReport Example => new("healthy", "ok", 1, 1, 0, 1);
}
