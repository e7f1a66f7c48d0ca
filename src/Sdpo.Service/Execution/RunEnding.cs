using Microsoft.EntityFrameworkCore;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// Ends, straight in the database, a run that no worker holds: one a start finds with its cancel requested
/// (<see cref="RunRecovery"/>), or one parked for its model that a client cancels (<see cref="RunCanceller"/>). No writer
/// or hub is involved: nothing else writes such a run, and its streams replay it from the database.
/// </summary>
public static class RunEnding
{
    /// <summary>Ends the run and each method not ended yet as failed (with the reason) or cancelled, each method with
    /// its final event, and the run with its <c>ended</c> event. The caller saves; the events are returned, for live
    /// streams once saved.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> EndAsync(SdpoDbContext db, RunEntity run, RunStatus status, string? reason, CancellationToken cancellationToken)
    {
        var added = new List<StoredEvent>();
        var now = DateTimeOffset.UtcNow;
        var sequence = await db.Events.Where(e => e.RunId == run.Id).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        foreach (var method in run.Methods.Where(m => !m.Status.IsFinished()).OrderBy(m => m.Order))
        {
            // The attempts saved so far: a process that was killed did not record the method's count.
            var attempts = await db.Attempts.Where(a => a.RunId == run.Id && a.Method == method.Method)
                .MaxAsync(a => (int?)a.Index + 1, cancellationToken) ?? 0;
            method.Attempts = Math.Max(method.Attempts, attempts);
            await ExecutionTime.CloseAbandonedAsync(db, method, run.Id, method.Method);
            method.Status = status;
            method.FailureReason = reason;
            method.FinishedAt = now;
            DiscoveryEvent final = status == RunStatus.Cancelled ? new Cancelled(method.Attempts) : new Failed(reason!);
            var finalEvent = new EventEntity
            {
                RunId = run.Id, Sequence = ++sequence, Name = final.Name, Method = method.Method, IsFinal = true,
                Payload = RunRecorder.Serialize(method.Method, final), CreatedAt = now,
            };
            db.Events.Add(finalEvent);
            added.Add(new StoredEvent(finalEvent.Sequence, finalEvent.Name, finalEvent.Payload, finalEvent.IsFinal));
        }
        await ExecutionTime.CloseAbandonedAsync(db, run, run.Id, null);
        run.Status = status;
        run.FailureReason = reason;
        run.FinishedAt = now;
        var ended = new RunEnded(status, reason, run.Methods.OrderBy(m => m.Order).Select(m => new RunEndedMethod(m.Method, m.Status)).ToList()).ToStored(++sequence);
        db.Events.Add(new EventEntity
        {
            RunId = run.Id, Sequence = ended.Sequence, Name = ended.Name, Method = "", IsFinal = true, Payload = ended.Data, CreatedAt = now,
        });
        added.Add(ended);
        return added;
    }

    /// <summary>Once the end is saved: what only a resume reads goes, as when a worker ends a run.</summary>
    public static void DiscardResumeState(DataPaths paths, RunEntity run, ILogger logger)
    {
        foreach (var method in run.Methods) paths.DiscardResumeState(run.Id, method.Method, primary: method.Order == 0, logger);
    }
}
