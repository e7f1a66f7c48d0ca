using System.Text.Json;
using Sdpo.Service.Api;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// A run's last event, once every method has ended: the run's status and each method's. Each method ends with its own
/// final event (discovered, exhausted, cancelled, failed), and a run with <c>compareWith</c> goes on after the primary's, so
/// without this a client could not tell which final event ends the stream. It is a service event, not an engine one.
/// </summary>
public sealed record RunEnded(RunStatus Status, string? FailureReason, IReadOnlyList<RunEndedMethod> Methods)
{
    public const string EventName = "ended";

    /// <summary>The stored, streamed form: the SSE data with its "type" first, as the engine's events have it.</summary>
    public StoredEvent ToStored(long sequence)
    {
        var node = JsonSerializer.SerializeToNode(this, ServiceJson.Options)!.AsObject();
        node.Insert(0, "type", EventName);
        return new StoredEvent(sequence, EventName, node.ToJsonString(ServiceJson.Options), IsFinal: true);
    }
}

/// <summary>How one method of an ended run ended.</summary>
public sealed record RunEndedMethod(string Method, RunStatus Status);
