using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// At start, re-queues every run that a previous process left queued, running or interrupted, so that the
/// engine resumes it from its saved state; a run a client asked to cancel ends cancelled instead (as does the run of a
/// benchmark whose cancel was requested, should the crash have come before the run's own cancel was saved), and a run whose
/// model is not configured (a mistake in the settings, perhaps) is left waiting, with its resume state, for a start with
/// that model configured (<see cref="ParkedRuns"/> lists it, so that a client can still cancel it). No run stays
/// "running" across a restart.
/// </summary>
public sealed class RunRecovery(
    IDbContextFactory<SdpoDbContext> contexts, IEngineProvider engines, RunQueue queue, RunControl control, RunEventHub hub,
    ParkedRuns parked, DataPaths paths, ILogger<RunRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var unfinished = new[] { RunStatus.Queued, RunStatus.Running, RunStatus.Interrupted };
        var runs = await db.Runs.Include(r => r.Methods).Where(r => unfinished.Contains(r.Status)).ToListAsync(cancellationToken);
        var cancelledBenchmarks = db.Benchmarks.Where(b => b.CancelRequested).Select(b => b.Id);
        var ofCancelledBenchmarks = (await db.BenchmarkRuns.Where(r => r.RunId != null && r.Status == null && cancelledBenchmarks.Contains(r.BenchmarkId))
            .Select(r => r.RunId).ToListAsync(cancellationToken)).OfType<Guid>().ToHashSet();
        var ended = new List<RunEntity>();
        var waiting = new List<Guid>();
        foreach (var run in runs.OrderBy(r => r.CreatedAt))
        {
            if (run.CancelRequested || ofCancelledBenchmarks.Contains(run.Id))
            {
                var status = run.Status;
                run.CancelRequested = true;
                await RunEnding.EndAsync(db, run, RunStatus.Cancelled, null, cancellationToken);
                ended.Add(run);
                logger.LogInformation("Run {RunId} ({Status}) ended cancelled: its cancel was requested before the restart", run.Id, status);
                continue;
            }
            var model = engines.Find(run.Model);
            if (model is null || !queue.Devices.Contains(model.Device))
            {
                await ParkAsync(db, run);
                waiting.Add(run.Id);
                logger.LogWarning("Run {RunId} ({Status}) is not resumed: its model {Model} is not configured. It keeps its saved state and " +
                                  "resumes at the first start with that model configured again", run.Id, run.Status, run.Model);
                continue;
            }
            control.Register(run.Id);
            hub.Activate(run.Id);
            queue.EnqueueRecovered(model.Device, run.Id);
            logger.LogInformation("Run {RunId} ({Status}) re-queued to resume on {Device}", run.Id, run.Status, model.Device);
        }
        await db.SaveChangesAsync(cancellationToken);
        // Ended for good once saved: what only a resume reads goes, as when a worker ends a run.
        foreach (var run in ended) RunEnding.DiscardResumeState(paths, run, logger);
        foreach (var id in waiting)
        {
            parked.Add(id);
            // Its streams stay open (keep-alives) until a cancel ends it: a stream that closed with no end would have an
            // EventSource reconnect every few seconds while the run waits.
            hub.Activate(id);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Leaves a run whose model is not configured as it stood, its resume state kept: the model may be missing
    /// only through a mistake in the settings (a typo in its name), and failing the run could not be undone once the
    /// mistake is fixed. A run the process left running is interrupted (its execution closed, as a shutdown would); the
    /// failure reason says what it waits for. Each later start tries again; until then a cancel ends it
    /// (<see cref="RunCanceller"/>), so a model removed on purpose does not leave its runs impossible to get rid of.</summary>
    private static async Task ParkAsync(SdpoDbContext db, RunEntity run)
    {
        foreach (var method in run.Methods.Where(m => m.Status == RunStatus.Running))
        {
            await ExecutionTime.CloseAbandonedAsync(db, method, run.Id, method.Method);
            method.Status = RunStatus.Interrupted;
        }
        await ExecutionTime.CloseAbandonedAsync(db, run, run.Id, null);
        if (run.Status == RunStatus.Running) run.Status = RunStatus.Interrupted;
        run.FailureReason = $"Waiting for model '{run.Model}', which is not configured: the run resumes at the first start with that model configured again.";
    }
}
