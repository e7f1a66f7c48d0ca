using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>
/// A benchmark's events after a given sequence number, replayed from the database and then followed as they
/// are saved, until the final one (completed, failed or cancelled). Events are few (a handful per run), so
/// the database is the only source: a reader waits for the next save signal, or polls as a fallback.
/// </summary>
public sealed class BenchmarkEventStream(IDbContextFactory<SdpoDbContext> contexts, BenchmarkSignals signals, IOptions<BenchmarkOptions> options)
{
    private const int PageSize = 500;

    public async IAsyncEnumerable<StoredEvent> ReadAsync(Guid benchmarkId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterSequence;
        var fallback = TimeSpan.FromMilliseconds(Math.Max(options.Value.PollMilliseconds * 4, 1000));
        while (true)
        {
            var next = signals.NextEvents;
            List<BenchmarkEventEntity> page;
            bool finished;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                // Status first: a benchmark seen finished has its final event saved, so the page below holds it.
                var status = await db.Benchmarks.Where(b => b.Id == benchmarkId).Select(b => (BenchmarkStatus?)b.Status).FirstOrDefaultAsync(cancellationToken);
                // Gone: deleted (ended, so its final event was there) while this stream read it; nothing more will come.
                if (status is null) yield break;
                finished = status.Value.IsFinished();
                page = await db.BenchmarkEvents.AsNoTracking()
                    .Where(e => e.BenchmarkId == benchmarkId && e.Sequence > last)
                    .OrderBy(e => e.Sequence)
                    .Take(PageSize)
                    .ToListAsync(cancellationToken);
            }
            foreach (var saved in page)
            {
                last = saved.Sequence;
                yield return new StoredEvent(saved.Sequence, saved.Name, saved.Payload, saved.IsFinal);
                if (saved.IsFinal) yield break;
            }
            if (page.Count == PageSize) continue;
            // A finished benchmark has saved its final event with its status; none left means a replay after it.
            if (finished) yield break;
            await Task.WhenAny(next, Task.Delay(fallback, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
