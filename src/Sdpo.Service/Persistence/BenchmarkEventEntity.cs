namespace Sdpo.Service.Persistence;

/// <summary>One progress event of a benchmark, in order: the source of its server-sent-event replays.</summary>
public sealed class BenchmarkEventEntity
{
    public Guid BenchmarkId { get; set; }
    /// <summary>1-based, gapless within a benchmark; the SSE id.</summary>
    public long Sequence { get; set; }
    public string Name { get; set; } = "";
    public bool IsFinal { get; set; }
    public string Payload { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
