namespace Sdpo.Service.Persistence;

/// <summary>One method searched within a run: the primary method (order 0) or a comparison baseline.</summary>
public sealed class RunMethodEntity : IExecutionTimed
{
    public Guid RunId { get; set; }
    public string Method { get; set; } = "";
    public int Order { get; set; }
    public RunStatus Status { get; set; }
    public int Attempts { get; set; }
    public long Tokens { get; set; }
    /// <summary>1-based count of attempts up to and including the first passing one; null when none passed.</summary>
    public int? AttemptsToDiscovery { get; set; }
    public string? FailureReason { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>When the method's execution in progress started; null between executions.</summary>
    public DateTimeOffset? ExecutionStartedAt { get; set; }
    /// <summary>Milliseconds the method spent in executions that have ended (<see cref="ExecutionTime"/>); null for a
    /// method that has not started, or that started before the service recorded it.</summary>
    public double? ExecutedMs { get; set; }
}
