using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>What a request to delete one run found. <see cref="Interrupted"/>: stopped by a shutdown and held by no worker,
/// so it resumes at the next start (<see cref="RunRecovery"/>) rather than ending in this process.</summary>
public enum RunDeletion { Deleted, NotFound, NotSettled, Interrupted, InBenchmark }

/// <summary>
/// Removes ended runs: their rows (the run, its methods, attempts, steps and events) and their folder. Only a settled
/// run is removed: ended in the database, no worker or cancel holding it, and its streams completed, which the writer
/// does only once the run's last write is saved. Such a run is never written again, so nothing races the deletion.
/// </summary>
public sealed class RunDeleter(
    IDbContextFactory<SdpoDbContext> contexts, RunControl control, RunEventHub hub, DataPaths paths, ILogger<RunDeleter> logger)
{
    /// <summary>Whether a run of this status has ended with all its writes saved.</summary>
    public bool IsSettled(Guid runId, RunStatus status) => status.IsFinished() && !control.TryGet(runId, out _) && !hub.IsActive(runId);

    /// <summary>Deletes one run that belongs to no benchmark (a benchmark's runs go with the benchmark).</summary>
    public async Task<RunDeletion> DeleteAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var status = await db.Runs.Where(r => r.Id == runId).Select(r => (RunStatus?)r.Status).FirstOrDefaultAsync(cancellationToken);
            if (status is null) return RunDeletion.NotFound;
            if (status == RunStatus.Interrupted && !control.TryGet(runId, out _)) return RunDeletion.Interrupted;
            if (!IsSettled(runId, status.Value)) return RunDeletion.NotSettled;
            if (await db.BenchmarkRuns.AnyAsync(r => r.RunId == runId, cancellationToken)) return RunDeletion.InBenchmark;
            var deleted = await DeleteRowsAsync(db, [runId], cancellationToken);
            // A concurrent deletion (another DELETE, or retention) removed it first.
            if (deleted == 0) return RunDeletion.NotFound;
        }
        DeleteFolders([runId]);
        return RunDeletion.Deleted;
    }

    /// <summary>Deletes the rows of settled runs; returns how many runs it removed.</summary>
    public static async Task<int> DeleteRowsAsync(SdpoDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        // The schema cascades to its methods, attempts, steps and events (EF Core turns SQLite's foreign keys on).
        return await db.Runs.Where(r => runIds.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Removes the runs' folders once their rows are gone; a folder that cannot be removed is logged and left.</summary>
    public void DeleteFolders(IEnumerable<Guid> runIds)
    {
        foreach (var id in runIds)
        {
            var folder = paths.RunDirectory(id);
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Removed meanwhile by a concurrent deletion.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Run {RunId} is deleted but its folder {Folder} could not be removed", id, folder);
            }
        }
    }
}
