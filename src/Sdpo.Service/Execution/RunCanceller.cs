using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// A client's cancel of runs, whoever asks for it (DELETE /solve/{id}, or a benchmark cancelling its runs). The cancel is
/// saved first (runs.CancelRequested), so a stop or a crash after it does not undo it: at the next start
/// <see cref="RunRecovery"/> ends the run cancelled instead of resuming it. Then each run's token is cancelled: a run no
/// worker has taken yet leaves its queue and ends cancelled at once (<see cref="RunExecutor.CancelQueuedAsync"/>), one
/// running stops at the engine's next check.
/// </summary>
public sealed class RunCanceller(IDbContextFactory<SdpoDbContext> contexts, RunControl control, RunQueue queue, RunExecutor executor)
{
    /// <summary>One cancel at a time: a second cancel of a run that the first has withdrawn (a benchmark's DELETE and its
    /// coordinator, say) returns only once the first has ended it, so whichever answers a client finds it ended.</summary>
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>
    /// Cancels those of <paramref name="runIds"/> that are still queued or running (those with a handle); the others, ended
    /// or unknown, are left as they are. Returns the runs that had not started and have now ended cancelled, their end
    /// saved. Asking again is harmless: a run already withdrawn is not ended twice.
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

    private async Task<IReadOnlyList<Guid>> CancelOneAtATimeAsync(IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        var live = runIds.Distinct().Where(id => control.TryGet(id, out _)).ToList();
        if (live.Count == 0) return [];
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            await db.Runs.Where(r => live.Contains(r.Id) && !r.CancelRequested)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.CancelRequested, true), cancellationToken);

        // The queued ones leave their queue first: a worker that a running one's cancel frees must not take one of them.
        // Whoever withdraws a run ends it: this cancel, not a worker, and not another cancel of the same run.
        var withdrawn = live.Where(queue.TryWithdraw).ToList();
        foreach (var id in live)
            if (control.TryGet(id, out var handle)) handle.RequestCancel();
        foreach (var id in withdrawn) await executor.CancelQueuedAsync(id);
        return withdrawn;
    }
}
