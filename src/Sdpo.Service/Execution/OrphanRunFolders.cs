using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// At start, before any run resumes, removes the folders under <c>runs/</c> whose run has no record: a deletion
/// (<see cref="RunDeleter"/>, a benchmark's, retention) removes the rows first and the folder second, so a crash between
/// the two, or a folder that could not be removed then, would otherwise stay for good, invisible to the API. A new run's
/// row is saved before it is queued, and only a worker creates its folder, so no folder of a run being created is taken for
/// an orphan; nothing is served or run yet meanwhile. Only folders named as a run id are looked at.
/// </summary>
public sealed class OrphanRunFolders(IDbContextFactory<SdpoDbContext> contexts, DataPaths paths, ILogger<OrphanRunFolders> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(paths.RunsDirectory)) return;
        var folders = new Dictionary<Guid, string>();
        foreach (var folder in Directory.EnumerateDirectories(paths.RunsDirectory))
            if (Guid.TryParseExact(Path.GetFileName(folder), "D", out var id) && paths.RunDirectory(id) == folder) folders[id] = folder;
        if (folders.Count == 0) return;

        List<Guid> known;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // A database with no run beside run folders is more likely one lost or replaced than deletions all cut short.
            if (!await db.Runs.AnyAsync(cancellationToken))
            {
                logger.LogWarning("The database has no run, yet {Count} run folders are under {Folder}; they are left as they are", folders.Count, paths.RunsDirectory);
                return;
            }
            var ids = folders.Keys.ToList();
            known = await db.Runs.Where(r => ids.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken);
        }
        foreach (var id in folders.Keys.Except(known))
        {
            try
            {
                Directory.Delete(folders[id], recursive: true);
                logger.LogInformation("Removed the folder {Folder} of run {RunId}, which has no record: its deletion was cut short", folders[id], id);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "The folder {Folder} of run {RunId}, which has no record, could not be removed", folders[id], id);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
