namespace Sdpo.Service.Persistence;

/// <summary>One submitted problem and everything needed to run (or resume) it.</summary>
public sealed class RunEntity : IExecutionTimed
{
    public Guid Id { get; set; }
    public RunStatus Status { get; set; }
    /// <summary>The primary method, in wire form ("sdpo", "best-of-k", "multi-turn", "self-teacher").</summary>
    public string Method { get; set; } = "";
    public string Model { get; set; } = "";
    public string Device { get; set; } = "";
    public long Seed { get; set; }
    /// <summary>The normalised request (every default filled in), replayed on resume.</summary>
    public string RequestJson { get; set; } = "";
    public string? FailureReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>How many times a worker picked the run up (above 1 after resumes).</summary>
    public int Executions { get; set; }
    /// <summary>A client asked to cancel the run (DELETE): saved before the 202, so a restart ends the run cancelled
    /// instead of resuming it.</summary>
    public bool CancelRequested { get; set; }
    /// <summary>When the execution in progress started; null between executions.</summary>
    public DateTimeOffset? ExecutionStartedAt { get; set; }
    /// <summary>Milliseconds spent in the executions that have ended (<see cref="ExecutionTime"/>); null for a run
    /// that has not started, or that started before the service recorded it.</summary>
    public double? ExecutedMs { get; set; }

    public List<RunMethodEntity> Methods { get; set; } = [];
}
