using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Persistence;

/// <summary>Creates the data folder and applies the migrations before anything else starts.</summary>
public sealed class DatabaseInitializer(IDbContextFactory<SdpoDbContext> contexts, DataPaths paths, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.Root);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        // Write-ahead logging lets readers (event replays, GETs) proceed while the writer saves.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        logger.LogInformation("Database ready at {Path}", paths.DatabaseFile);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
