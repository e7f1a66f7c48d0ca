using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>
/// DELETE /benchmarks/{id}: the benchmark's cancel is saved (benchmarks.CancelRequested), then each run it has queued or
/// running is cancelled as DELETE /solve/{id} cancels one (<see cref="RunCanceller"/>): its cancel saved too, a queued
/// run out of its queue and ended cancelled at once, a running one stopped at the engine's next check. The coordinator,
/// woken, queues nothing more, cancels again any run it submitted meanwhile, writes each run's <c>run</c> event and
/// ends the benchmark cancelled once every run it submitted has ended.
/// </summary>
public sealed class BenchmarkCanceller(IDbContextFactory<SdpoDbContext> contexts, RunCanceller runs, BenchmarkSignals signals)
{
    public async Task CancelAsync(Guid benchmarkId, CancellationToken cancellationToken)
    {
        List<Guid> outstanding;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Benchmarks.Where(b => b.Id == benchmarkId)
                .ExecuteUpdateAsync(b => b.SetProperty(x => x.CancelRequested, true), cancellationToken);
            // Saved: from here on the cancel is carried through even if the client goes away.
            outstanding = (await db.BenchmarkRuns.AsNoTracking()
                    .Where(r => r.BenchmarkId == benchmarkId && r.RunId != null && r.Status == null)
                    .Select(r => r.RunId).ToListAsync(CancellationToken.None))
                .OfType<Guid>().ToList();
        }
        await runs.CancelAsync(outstanding, CancellationToken.None);
        signals.WakeCoordinator();
    }
}
