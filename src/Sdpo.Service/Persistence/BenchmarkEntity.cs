namespace Sdpo.Service.Persistence;

/// <summary>A benchmark over a problem set (filled by the benchmark endpoint, to come).</summary>
public sealed class BenchmarkEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public RunStatus Status { get; set; }
    public string RequestJson { get; set; } = "";
    public string? ResultJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
