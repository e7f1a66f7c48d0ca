using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Tests.Support;

/// <summary>Makes a stopped service's data folder look as if it had been down for a while before the next start.</summary>
public static class Downtime
{
    public static SdpoDbContext Open(TestDataFolder data) =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite($"Data Source={Path.Combine(data.Path, "sdpo.db")}").Options);

    /// <summary>
    /// Moves every stored time of every run back by <paramref name="downtime"/>, so that what the service did before it
    /// stopped happened that long ago. With <paramref name="killed"/> the runs a shutdown interrupted are left as a
    /// process killed mid-run (kill -9) leaves them: running, their one execution never ended.
    /// </summary>
    public static async Task PassAsync(TestDataFolder data, TimeSpan downtime, bool killed = false)
    {
        await using var db = Open(data);
        foreach (var run in await db.Runs.Include(r => r.Methods).ToListAsync())
        {
            run.CreatedAt -= downtime;
            run.StartedAt -= downtime;
            run.FinishedAt -= downtime;
            run.ExecutionStartedAt -= downtime;
            if (killed && run.Status == RunStatus.Interrupted)
                (run.Status, run.ExecutionStartedAt, run.ExecutedMs) = (RunStatus.Running, run.StartedAt, 0);
            foreach (var method in run.Methods)
            {
                method.StartedAt -= downtime;
                method.FinishedAt -= downtime;
                method.ExecutionStartedAt -= downtime;
                if (killed && method.Status == RunStatus.Interrupted)
                    (method.Status, method.ExecutionStartedAt, method.ExecutedMs) = (RunStatus.Running, method.StartedAt, 0);
            }
        }
        foreach (var e in await db.Events.ToListAsync()) e.CreatedAt -= downtime;
        foreach (var a in await db.Attempts.ToListAsync()) a.CreatedAt -= downtime;
        foreach (var s in await db.Steps.ToListAsync()) s.CreatedAt -= downtime;
        await db.SaveChangesAsync();
    }
}
