using Microsoft.EntityFrameworkCore;

namespace Sdpo.Service.Persistence;

/// <summary>A run or one of its methods, timed by its executions.</summary>
public interface IExecutionTimed
{
    DateTimeOffset? StartedAt { get; }
    DateTimeOffset? FinishedAt { get; }
    DateTimeOffset? ExecutionStartedAt { get; set; }
    double? ExecutedMs { get; set; }
}

/// <summary>
/// The time a run (or a method of it) spent executing: each execution from its start on a worker to its end, summed.
/// A run resumed after a restart is not charged for the time the service was down, nor for its wait in the queue.
/// An execution that a shutdown interrupted ends when the shutdown stopped it; one cut short by the process's death
/// (kill -9, a crash, power loss) ends at its last saved event, and is closed when the run next starts.
/// </summary>
public static class ExecutionTime
{
    /// <summary>An execution starts. Call before <see cref="IExecutionTimed.StartedAt"/> is set on the first one.</summary>
    public static async Task StartAsync(SdpoDbContext db, IExecutionTimed timed, Guid runId, string? method, DateTimeOffset at)
    {
        await CloseAbandonedAsync(db, timed, runId, method);
        // A run that started before executions were timed keeps no sum: its time is its wall time, as it was.
        if (timed.StartedAt is null) timed.ExecutedMs = 0;
        timed.ExecutionStartedAt = at;
    }

    /// <summary>Ends an execution the process's death left open (it ran until its last saved event); nothing when
    /// none is open. For a run that ends without starting again, as recovery ends one.</summary>
    public static async Task CloseAbandonedAsync(SdpoDbContext db, IExecutionTimed timed, Guid runId, string? method)
    {
        if (timed.ExecutionStartedAt is not { } open) return;
        var events = db.Events.AsNoTracking().Where(e => e.RunId == runId);
        if (method is not null) events = events.Where(e => e.Method == method);
        var lastSaved = await events.OrderByDescending(e => e.Sequence).Select(e => (DateTimeOffset?)e.CreatedAt).FirstOrDefaultAsync();
        End(timed, lastSaved ?? open);
    }

    /// <summary>The execution in progress ends (the run or method ended, or a shutdown interrupted it).</summary>
    public static void End(IExecutionTimed timed, DateTimeOffset at)
    {
        if (timed.ExecutionStartedAt is not { } start) return;
        if (timed.ExecutedMs is { } ms) timed.ExecutedMs = ms + Math.Max(0, (at - start).TotalMilliseconds);
        timed.ExecutionStartedAt = null;
    }

    /// <summary>The milliseconds it executed, once it has ended; null before. A run that started before executions
    /// were timed gives its wall time from its first start to its end.</summary>
    public static double? Milliseconds(IExecutionTimed timed) =>
        timed.FinishedAt is not { } finished ? null
        : timed.ExecutedMs ?? (timed.StartedAt is { } started ? (finished - started).TotalMilliseconds : null);
}
