namespace Sdpo.Service.Persistence;

/// <summary>Where a run (or one method of a run) stands.</summary>
public enum RunStatus
{
    Queued,
    Running,
    /// <summary>Stopped by a shutdown with its state saved; re-queued to resume when the service starts.</summary>
    Interrupted,
    Discovered,
    Exhausted,
    Cancelled,
    Failed,
}

public static class RunStatusExtensions
{
    public static bool IsFinished(this RunStatus status) =>
        status is RunStatus.Discovered or RunStatus.Exhausted or RunStatus.Cancelled or RunStatus.Failed;
}
