using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Persistence;

/// <summary>Creates the data folder, locks it against a second instance (<see cref="DataFolderLock"/>) and applies the
/// migrations before anything else starts. A folder another instance holds, or a database that cannot be opened or used,
/// stops the start with a <see cref="DatabaseUnavailableException"/> that names the file and what to do.</summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<SdpoDbContext> contexts, DataPaths paths, DataFolderLock folderLock, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(paths.Root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatabaseUnavailableException(
                $"The data folder {paths.Root} cannot be created: {OneLine(ex.Message)} Create it with write access for the service's user, " +
                $"or set {ServiceOptions.SectionName}:{nameof(ServiceOptions.DataFolder)} to a folder it can write to.");
        }
        // Before the database is touched: a second instance must not migrate, recover or run anything.
        folderLock.Acquire();
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
            // Write-ahead logging lets readers (event replays, GETs) proceed while the writer saves.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new DatabaseUnavailableException(Explain(paths.DatabaseFile, ex));
        }
        logger.LogInformation("Database ready at {Path}", paths.DatabaseFile);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One line: the file, SQLite's error, and what to do about it.</summary>
    internal static string Explain(string databaseFile, Exception error)
    {
        var name = Path.GetFileName(databaseFile);
        var folder = Path.GetDirectoryName(databaseFile);
        var elsewhere = $"or set {ServiceOptions.SectionName}:{nameof(ServiceOptions.DataFolder)} to another folder.";
        var advice = (error as SqliteException)?.SqliteErrorCode switch
        {
            // SQLITE_CORRUPT, SQLITE_NOTADB
            11 or 26 => $"The file is damaged or is not an SQLite database: move it (with any {name}-wal and {name}-shm beside it) out of the way " +
                        $"to start with an empty database, or restore a backup; {elsewhere}",
            // SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH
            3 or 8 or 14 or 23 => $"The service's user must be able to read and write the file and its folder {folder} (SQLite creates " +
                                  $"{name}-wal and {name}-shm there); fix the permissions or the mount, {elsewhere}",
            // SQLITE_FULL
            13 => $"The disk is full: free space on it, {elsewhere}",
            _ => $"Check the file and its folder {folder}, {elsewhere}",
        };
        return $"The database {databaseFile} cannot be used: {OneLine(error.Message)} {advice}";
    }

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

/// <summary>
/// The service cannot start because its database cannot be used; the message says which file and what to do. The
/// host logs it as it stops the start, and the program exits with code 1: its stack trace says nothing more, so it
/// has none.
/// </summary>
public sealed class DatabaseUnavailableException(string message) : Exception(message)
{
    public override string? StackTrace => null;
}
