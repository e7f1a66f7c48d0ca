namespace Sdpo.Service.Execution;

/// <summary>A run's event as streamed: its sequence number (the SSE id), name and JSON payload.</summary>
public sealed record StoredEvent(long Sequence, string Name, string Data, bool IsFinal);
