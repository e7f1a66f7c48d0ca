using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// A client's cancel of runs, whoever asks for it (DELETE /solve/{id}, or a benchmark cancelling its runs). The cancel is
/// saved first (runs.CancelRequested), so a stop or a crash after it does not undo it: at the next start
/// <see cref="RunRecovery"/> ends the run cancelled instead of resuming it. Then each run's token is cancelled: a run no
/// worker has taken yet leaves its queue and ends cancelled at once (<see cref="RunExecutor.CancelQueuedAsync"/>), one
/// running stops at the engine's next check. A run parked at start for a model that is not configured
/// (<see cref="ParkedRuns"/>) has neither queue nor worker: it ends cancelled at once, here, and is never resumed.
/// </summary>
public sealed class RunCanceller(
    IDbContextFactory<SdpoDbContext> contexts, RunControl control, RunQueue queue, RunExecutor executor, ParkedRuns parked,
    RunEventHub hub, DataPaths paths, RunActivityLog activity, ILogger<RunCanceller> logger)
{
    /// <summary>One cancel at a time: a second cancel of a run that the first has withdrawn (a benchmark's DELETE and its
    /// coordinator, say) returns only once the first has ended it, so whichever answers a client finds it ended.</summary>
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>
    /// Cancels those of <paramref name="runIds"/> that are still queued, running or parked; the others, ended or unknown,
    /// are left as they are. Returns the runs that were not running and have now ended cancelled (withdrawn from their queue,
    /// or parked), their end saved. Asking again is harmless: a run already withdrawn is not ended twice.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> CancelAsync(IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        if (runIds.Count == 0) return [];
        await _one.WaitAsync(cancellationToken);
        try
        {
            return await CancelOneAtATimeAsync(runIds, cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Whether a cancel acts on the run: one queued or running (it has a handle), or one parked for its model.</summary>
    public bool IsCancellable(Guid runId) => control.TryGet(runId, out _) || parked.Contains(runId);

    private async Task<IReadOnlyList<Guid>> CancelOneAtATimeAsync(IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        var ended = await EndParkedAsync(runIds.Distinct().Where(parked.Contains).ToList(), cancellationToken);
        var live = runIds.Distinct().Where(id => control.TryGet(id, out _)).ToList();
        if (live.Count == 0) return ended;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            await db.Runs.Where(r => live.Contains(r.Id) && !r.CancelRequested)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.CancelRequested, true), cancellationToken);

        // The queued ones leave their queue first: a worker that a running one's cancel frees must not take one of them.
        // Whoever withdraws a run ends it: this cancel, not a worker, and not another cancel of the same run.
        var withdrawn = live.Where(queue.TryWithdraw).ToList();
        foreach (var id in live)
            if (control.TryGet(id, out var handle)) handle.RequestCancel();
        foreach (var id in withdrawn) await executor.CancelQueuedAsync(id);
        return [.. ended, .. withdrawn];
    }

    /// <summary>
    /// Ends parked runs cancelled, as a start ends one whose cancel was requested: each unended method with its
    /// <c>cancelled</c> event, the run with its <c>ended</c> event, executions closed, all in one save (with the cancel
    /// itself), then the resume state discarded. Out of <see cref="ParkedRuns"/> only once saved, so a failed save leaves
    /// them cancellable; ended, nothing resumes them (a start resumes only runs not ended).
    /// </summary>
    private async Task<IReadOnlyList<Guid>> EndParkedAsync(List<Guid> runIds, CancellationToken cancellationToken)
    {
        if (runIds.Count == 0) return [];
        List<RunEntity> runs;
        var events = new Dictionary<Guid, IReadOnlyList<StoredEvent>>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            runs = await db.Runs.Include(r => r.Methods).Where(r => runIds.Contains(r.Id)).ToListAsync(cancellationToken);
            // A parked run is never ended but by this cancel; one gone (deleted meanwhile) or ended is only forgotten.
            runs.RemoveAll(r => r.Status.IsFinished());
            foreach (var run in runs)
            {
                run.CancelRequested = true;
                events[run.Id] = await RunEnding.EndAsync(db, run, RunStatus.Cancelled, null, cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        foreach (var id in runIds) parked.Remove(id);
        foreach (var run in runs)
        {
            // Saved: the streams that waited with the run get its end, then close.
            foreach (var stored in events[run.Id]) hub.Publish(run.Id, stored);
            hub.Complete(run.Id);
            RunEnding.DiscardResumeState(paths, run, logger);
            activity.Ended(run.Id, RunStatus.Cancelled, "cancelled while waiting for its model, which is not configured",
                run.Methods.OrderBy(m => m.Order).Select(m => (m.Method, m.Status, m.Attempts)), run.Model);
        }
        return runs.Select(r => r.Id).ToList();
    }
}
