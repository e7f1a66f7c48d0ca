namespace Sdpo.Service.Persistence;

/// <summary>One reported event in the order it was streamed: the source of server-sent-event replays.</summary>
public sealed class EventEntity
{
    public Guid RunId { get; set; }
    /// <summary>1-based, gapless within a run; the SSE id.</summary>
    public long Sequence { get; set; }
    public string Name { get; set; } = "";
    public string Method { get; set; } = "";
    public bool IsFinal { get; set; }
    /// <summary>The event as JSON, exactly as streamed in the SSE data line.</summary>
    public string Payload { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
