using Sdpo.Engine.Discovery;
using Sdpo.Service.Execution;

namespace Sdpo.Service.Persistence;

/// <summary>A change to a run's records, applied in order by the <see cref="RunWriter"/>.</summary>
public abstract record RunWrite(Guid RunId);

public sealed record RunStartedWrite(Guid RunId, DateTimeOffset At) : RunWrite(RunId);

public sealed record MethodStartedWrite(Guid RunId, string Method, DateTimeOffset At) : RunWrite(RunId);

/// <summary>An engine event. <see cref="Stored"/> is its streamed form; null for an attempt or step that a resumed
/// run repeated, whose row is upserted but whose event was already reported.</summary>
public sealed record EventWrite(Guid RunId, string Method, DiscoveryEvent Event, StoredEvent? Stored, DateTimeOffset At) : RunWrite(RunId);

public sealed record MethodFinishedWrite(
    Guid RunId, string Method, RunStatus Status, int Attempts, long Tokens, int? AttemptsToDiscovery, string? Reason, DateTimeOffset At) : RunWrite(RunId);

/// <summary>The run ended, or was interrupted by a shutdown; once saved, its live streams end. <see cref="Ended"/> is the
/// run's <c>ended</c> event, saved with the run's status and streamed last; null for an interruption.</summary>
public sealed record RunFinishedWrite(Guid RunId, RunStatus Status, string? Reason, DateTimeOffset At, StoredEvent? Ended = null) : RunWrite(RunId);
