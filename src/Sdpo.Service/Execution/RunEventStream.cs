using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// A run's events after a given sequence number: saved ones replayed from the database, then live ones until
/// the run ends. The hub publishes an event once it is saved, so subscribing before reading the database leaves no gap,
/// and the sequence numbers drop the repeats between the two.
/// </summary>
public sealed class RunEventStream(RunEventHub hub, IDbContextFactory<SdpoDbContext> contexts)
{
    private const int PageSize = 500;

    public async IAsyncEnumerable<StoredEvent> ReadAsync(Guid runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = hub.Subscribe(runId);
        var last = afterSequence;
        while (true)
        {
            List<EventEntity> page;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                page = await db.Events.AsNoTracking()
                    .Where(e => e.RunId == runId && e.Sequence > last)
                    .OrderBy(e => e.Sequence)
                    .Take(PageSize)
                    .ToListAsync(cancellationToken);
            }
            foreach (var saved in page)
            {
                last = saved.Sequence;
                yield return new StoredEvent(saved.Sequence, saved.Name, saved.Payload, saved.IsFinal);
            }
            if (page.Count < PageSize) break;
        }
        if (!subscription.IsLive) yield break;
        await foreach (var live in subscription.Live.ReadAllAsync(cancellationToken))
        {
            if (live.Sequence <= last) continue;
            last = live.Sequence;
            yield return live;
        }
    }
}
