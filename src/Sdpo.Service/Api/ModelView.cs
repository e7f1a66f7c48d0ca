namespace Sdpo.Service.Api;

/// <summary>A configured model.</summary>
public sealed record ModelView(string Name, string Device, string Dtype, bool IsDefault)
{
    public static ModelView Example => new("qwen3-0.6b", "cuda", "bfloat16", true);
}

/// <summary>Whether the service can take work.</summary>
public sealed record HealthReport(string Status, string Database, int Models, int QueuedRuns, int ActiveRuns)
{
    public static HealthReport Example => new("healthy", "ok", 1, 0, 1);
}
