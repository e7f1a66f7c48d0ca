using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// With <see cref="ServiceOptions.RetainEndedRunsDays"/> set, deletes what ended longer ago than that, as DELETE ...?purge=true would:
/// runs of no benchmark, and ended benchmarks with their runs. It looks at start and then every hour, or every tenth of
/// the retention period when that is shorter, so nothing outlives its period by more than a tenth of it (or an hour).
/// </summary>
public sealed class EndedRunRetention(
    IDbContextFactory<SdpoDbContext> contexts, RunDeleter runs, BenchmarkDeleter benchmarks, IOptions<ServiceOptions> options,
    ILogger<EndedRunRetention> logger) : BackgroundService
{
    private static readonly TimeSpan LongestInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetainEndedRunsDays is not { } days) return;
        var period = TimeSpan.FromDays(days);
        var interval = period / 10 < LongestInterval ? (period / 10 > ShortestInterval ? period / 10 : ShortestInterval) : LongestInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeleteEndedBeforeAsync(DateTimeOffset.UtcNow - period, stoppingToken);
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A database that refuses the deletion now (a full disk, a lock) may take it next time.
                logger.LogError(ex, "Deleting ended runs older than {Days} days failed; trying again in {Interval}", days, interval);
                try { await Task.Delay(interval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    public async Task DeleteEndedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        List<Guid> oldRuns, oldBenchmarks;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // SQLite cannot compare DateTimeOffset: ended ones are read, and their end time compared, on this side.
            var ended = new[] { RunStatus.Discovered, RunStatus.Exhausted, RunStatus.Cancelled, RunStatus.Failed };
            var ofBenchmarks = db.BenchmarkRuns.Where(r => r.RunId != null).Select(r => r.RunId);
            var endedRuns = await db.Runs.AsNoTracking().Where(r => ended.Contains(r.Status) && !ofBenchmarks.Contains(r.Id))
                .Select(r => new { r.Id, r.FinishedAt }).ToListAsync(cancellationToken);
            oldRuns = endedRuns.Where(r => r.FinishedAt < cutoff).Select(r => r.Id).ToList();
            var endedStatuses = new[] { BenchmarkStatus.Completed, BenchmarkStatus.Failed, BenchmarkStatus.Cancelled };
            var endedBenchmarks = await db.Benchmarks.AsNoTracking().Where(b => endedStatuses.Contains(b.Status))
                .Select(b => new { b.Id, b.FinishedAt }).ToListAsync(cancellationToken);
            oldBenchmarks = endedBenchmarks.Where(b => b.FinishedAt < cutoff).Select(b => b.Id).ToList();
        }
        int deletedRuns = 0, deletedBenchmarks = 0;
        foreach (var id in oldRuns)
            if (await TryAsync(id, async () => await runs.DeleteAsync(id, cancellationToken) == RunDeletion.Deleted)) deletedRuns++;
        foreach (var id in oldBenchmarks)
            if (await TryAsync(id, async () => (await benchmarks.DeleteAsync(id, cancellationToken)).Outcome == BenchmarkDeletion.Deleted)) deletedBenchmarks++;
        if (deletedRuns + deletedBenchmarks > 0)
            logger.LogInformation("Deleted {Runs} runs and {Benchmarks} benchmarks that ended before {Cutoff:O}", deletedRuns, deletedBenchmarks, cutoff);
    }

    /// <summary>One deletion; one that fails (a locked database) is logged and left for the next pass, not the rest.</summary>
    private async Task<bool> TryAsync(Guid id, Func<Task<bool>> delete)
    {
        try
        {
            return await delete();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not delete {Id}; the next pass tries again", id);
            return false;
        }
    }
}
