using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>What a request to delete one ended benchmark found.</summary>
public enum BenchmarkDeletion { Deleted, NotFound, NotEnded, RunsNotSettled }

/// <summary>
/// Removes an ended benchmark with everything it made: its rows (problems, runs, events) and each of its runs as
/// <see cref="RunDeleter"/> removes one. The coordinator no longer looks at an ended benchmark, so nothing writes it
/// meanwhile; a run of it that is not settled yet (a failed benchmark may leave runs going) keeps it, and is answered so.
/// </summary>
public sealed class BenchmarkDeleter(IDbContextFactory<SdpoDbContext> contexts, RunDeleter runs, BenchmarkSignals signals)
{
    /// <summary>Unsettled lists the runs that keep the benchmark, with their status (an <c>interrupted</c> one resumes at the next start).</summary>
    public async Task<(BenchmarkDeletion Outcome, IReadOnlyList<(Guid Id, RunStatus Status)> Unsettled)> DeleteAsync(Guid benchmarkId, CancellationToken cancellationToken)
    {
        List<Guid> runIds;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var status = await db.Benchmarks.Where(b => b.Id == benchmarkId).Select(b => (BenchmarkStatus?)b.Status).FirstOrDefaultAsync(cancellationToken);
            if (status is null) return (BenchmarkDeletion.NotFound, []);
            if (!status.Value.IsFinished()) return (BenchmarkDeletion.NotEnded, []);
            runIds = (await db.BenchmarkRuns.Where(r => r.BenchmarkId == benchmarkId && r.RunId != null).Select(r => r.RunId).ToListAsync(cancellationToken))
                .OfType<Guid>().Distinct().ToList();
            var statuses = await db.Runs.Where(r => runIds.Contains(r.Id)).Select(r => new { r.Id, r.Status }).ToListAsync(cancellationToken);
            var unsettled = statuses.Where(r => !runs.IsSettled(r.Id, r.Status)).Select(r => (r.Id, r.Status)).ToList();
            if (unsettled.Count > 0) return (BenchmarkDeletion.RunsNotSettled, unsettled);

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await RunDeleter.DeleteRowsAsync(db, runIds, cancellationToken);
            // The schema cascades to its problems, its runs' rows and its events.
            var deleted = await db.Benchmarks.Where(b => b.Id == benchmarkId).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (deleted == 0) return (BenchmarkDeletion.NotFound, []);
        }
        runs.DeleteFolders(runIds);
        // A stream of its events waiting for the next one looks again, and ends.
        signals.EventsSaved();
        return (BenchmarkDeletion.Deleted, []);
    }
}
