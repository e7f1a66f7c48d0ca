using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Metrics;
using Sdpo.Service.Persistence;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Execution;

/// <summary>
/// Runs one queued run to its end: the main method, then each comparison baseline, on the run's model.
/// A client's cancel ends it as cancelled, even when the primary method had already ended; a shutdown leaves it interrupted, with its state saved by the engine,
/// for the next start to resume. A run whose model cannot be loaded waits, as it stood, and is tried again after the model's
/// retry interval. Otherwise the run ends with a final event and a final status.
/// </summary>
public sealed class RunExecutor(
    IDbContextFactory<SdpoDbContext> contexts,
    IProblemResolver problems,
    IEngineProvider engines,
    RunWriter writer,
    RunEventHub hub,
    RunControl control,
    RunQueue queue,
    ServiceMetrics metrics,
    DataPaths paths,
    IOptions<ServiceOptions> options,
    RunActivityLog activity,
    ILogger<RunExecutor> logger)
{
    private enum MethodEnd { Finished, Interrupted }

    /// <summary>The shortest wait before a run tries its failed model again, whatever ModelRetrySeconds says: a
    /// model that fails at once must not keep a worker busy trying.</summary>
    private const double MinimumModelWaitSeconds = 1;

    private int _executing;

    /// <summary>Runs that a worker executes now (loading their model, sampling, training); not those waiting in a queue.</summary>
    public int Executing => Volatile.Read(ref _executing);

    public async Task ExecuteAsync(Guid runId, CancellationToken shutdown)
    {
        Interlocked.Increment(ref _executing);
        try
        {
            await ExecuteRunAsync(runId, shutdown);
        }
        finally
        {
            Interlocked.Decrement(ref _executing);
        }
    }

    private async Task ExecuteRunAsync(Guid runId, CancellationToken shutdown)
    {
        var handle = control.Register(runId);
        RunRecorder? recorder = null;
        List<RunMethodEntity>? methods = null;
        Dictionary<string, (RunStatus Status, string? Reason)>? outcomes = null;
        var waiting = false;
        try
        {
            var run = await LoadUnfinishedAsync(runId);
            if (run is null) return;
            activity.Taken(runId, run.Model);
            recorder = await CreateRecorderAsync(run);

            methods = run.Methods.OrderBy(m => m.Order).ToList();
            outcomes = methods.Where(m => m.Status.IsFinished()).ToDictionary(m => m.Method, m => (m.Status, (string?)m.FailureReason));

            SolveRequest plan;
            ResolvedProblem problem;
            ModelInfo model;
            try
            {
                plan = JsonSerializer.Deserialize<SolveRequest>(run.RequestJson, ServiceJson.Options)
                       ?? throw new InvalidOperationException("the stored request is empty");
                problem = await problems.ResolveAsync(plan.Problem ?? throw new InvalidOperationException("the stored request has no problem"), shutdown);
                model = engines.Find(run.Model) ?? throw new InvalidOperationException($"model '{run.Model}' is no longer configured");
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                // Stopped while its verifier's code was being checked (or the sandbox probed): not the problem's fault.
                writer.Enqueue(new RunFinishedWrite(runId, RunStatus.Interrupted, "The service stopped before the run started; it resumes at the next start.", DateTimeOffset.UtcNow));
                activity.Interrupted(runId, null, 0);
                return;
            }
            catch (Exception ex)
            {
                FailRemaining(recorder, methods, outcomes, $"The run cannot start: {ex.Message}");
                Finish(recorder, runId, methods, outcomes, outcomes[methods[0].Method]);
                return;
            }

            // A model still loading (at start, say) is waited for. One that failed to load does not fail the run: the
            // checkpoint may come back (a copy in progress, a disk remounted), so the run goes back to its queue as it
            // stood, saying why it waits, and the next try loads the model again.
            IDiscoveryEngine? engine = null;
            try
            {
                using var loading = CancellationTokenSource.CreateLinkedTokenSource(handle.Token, shutdown);
                engine = await engines.GetEngineAsync(model, Timeout.InfiniteTimeSpan, loading.Token);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested && !handle.CancelRequested)
            {
                writer.Enqueue(new RunFinishedWrite(runId, RunStatus.Interrupted, "The service stopped before the run's model was loaded; it resumes at the next start.", DateTimeOffset.UtcNow));
                activity.Interrupted(runId, null, 0);
                return;
            }
            catch (Exception) when (handle.CancelRequested)
            {
                // Every method below ends cancelled without the engine.
            }
            catch (ModelUnavailableException ex)
            {
                var retry = TimeSpan.FromSeconds(Math.Max(options.Value.ModelRetrySeconds, MinimumModelWaitSeconds));
                handle.WaitReason = $"Waiting for its model: {ex.Message} The model is tried again every {retry.TotalSeconds:0.#} s.";
                logger.LogWarning("Run {RunId} waits for model {Model}: {Reason}", runId, model.Name, ex.Message);
                queue.Requeue(model.Device, runId, retry, shutdown);
                waiting = true;
                return;
            }
            catch (Exception ex)
            {
                FailRemaining(recorder, methods, outcomes, $"The run cannot start: {ex.Message}");
                Finish(recorder, runId, methods, outcomes, outcomes[methods[0].Method]);
                return;
            }
            handle.WaitReason = null;
            // Started only with its engine: a run cancelled or waiting before then keeps no start time and no execution.
            if (!handle.CancelRequested)
            {
                writer.Enqueue(new RunStartedWrite(runId, DateTimeOffset.UtcNow));
                activity.Started(runId, model.Name, model.Device, methods.Where(m => !outcomes.ContainsKey(m.Method)).Select(m => m.Method), resumed: run.Executions > 0);
            }

            foreach (var method in methods.Where(m => !outcomes.ContainsKey(m.Method)))
            {
                if (handle.CancelRequested)
                {
                    EndMethod(recorder, method, outcomes, RunStatus.Cancelled, null);
                    continue;
                }
                DiscoveryMethodNames.TryParse(method.Method, out var discoveryMethod);
                var request = new DiscoveryRequest(problem.Problem, problem.Verifier, discoveryMethod, plan.Budget, plan.Sampling, plan.Sdpo, plan.Seed, plan.ReuseVerdicts);
                var stateDirectory = paths.StateDirectory(runId, method.Method, primary: method.Order == 0);
                Directory.CreateDirectory(stateDirectory);

                var (end, outcome) = await RunMethodAsync(runId, recorder, engine!, request, method.Method, stateDirectory, handle, shutdown);
                if (end == MethodEnd.Interrupted)
                {
                    writer.Enqueue(new RunFinishedWrite(runId, RunStatus.Interrupted, "The service stopped while the run was in progress; it resumes at the next start.", DateTimeOffset.UtcNow));
                    activity.Interrupted(runId, method.Method, recorder.Tally(method.Method).Attempts);
                    return;
                }
                outcomes[method.Method] = outcome;
                DiscardResumeState(runId, method);
            }
            // A run the client stopped before all its methods ended is cancelled, whatever the primary found:
            // not all the work asked for was done. Each method keeps its own outcome.
            var runOutcome = outcomes.Values.Any(o => o.Status == RunStatus.Cancelled)
                ? (RunStatus.Cancelled, null)
                : outcomes[methods[0].Method];
            Finish(recorder, runId, methods, outcomes, runOutcome);
        }
        catch (Exception ex)
        {
            // Last resort: a run never stays "running" because the service itself failed.
            logger.LogError(ex, "Run {RunId} failed in the service", runId);
            var reason = $"The service failed while running the run: {ex.Message}";
            if (recorder is not null && methods is not null && outcomes is not null)
            {
                // Every method not ended yet, the one that was running included, ends failed: its final event, its
                // row and its resume state, as any other end; then the run with its ended event.
                FailRemaining(recorder, methods, outcomes, reason);
                Finish(recorder, runId, methods, outcomes, (RunStatus.Failed, reason));
            }
            else writer.Enqueue(new RunFinishedWrite(runId, RunStatus.Failed, reason, DateTimeOffset.UtcNow));
        }
        finally
        {
            if (!waiting) control.Remove(runId);
        }
    }

    /// <summary>
    /// Ends, cancelled, a run that a cancel withdrew from its queue before any worker took it: each method not ended
    /// gets its <c>cancelled</c> event, and the run neither starts nor counts an execution.
    /// </summary>
    public async Task CancelQueuedAsync(Guid runId)
    {
        try
        {
            var run = await LoadUnfinishedAsync(runId);
            if (run is null) return;
            activity.Taken(runId, run.Model);
            var recorder = await CreateRecorderAsync(run);
            var methods = run.Methods.OrderBy(m => m.Order).ToList();
            var outcomes = new Dictionary<string, (RunStatus Status, string? Reason)>();
            foreach (var method in methods)
            {
                if (method.Status.IsFinished())
                {
                    outcomes[method.Method] = (method.Status, method.FailureReason);
                    continue;
                }
                EndMethod(recorder, method, outcomes, RunStatus.Cancelled, null); // an interrupted run re-queued at a start has resume state
            }
            Finish(recorder, runId, methods, outcomes, (RunStatus.Cancelled, null));
            // Saved before the cancel is answered: the run reads as cancelled at once.
            await writer.FlushAsync();
        }
        finally
        {
            control.Remove(runId);
        }
    }

    private async Task<(MethodEnd End, (RunStatus Status, string? Reason) Outcome)> RunMethodAsync(
        Guid runId, RunRecorder recorder, IDiscoveryEngine engine, DiscoveryRequest request, string method,
        string stateDirectory, RunHandle handle, CancellationToken shutdown)
    {
        writer.Enqueue(new MethodStartedWrite(runId, method, DateTimeOffset.UtcNow));
        var tally = recorder.Tally(method);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(handle.Token, shutdown);
        bool Interrupted() => shutdown.IsCancellationRequested && !handle.CancelRequested;

        DiscoveryEvent? final = null;
        try
        {
            await foreach (var discoveryEvent in engine.RunAsync(request, stateDirectory, linked.Token))
            {
                if (discoveryEvent is Cancelled && Interrupted()) break;
                recorder.Record(method, discoveryEvent);
                if (discoveryEvent.IsFinal)
                {
                    final = discoveryEvent;
                    break;
                }
            }
        }
        catch (Exception) when (Interrupted())
        {
            // The engine stopped on the shutdown token; its state of the last full step is on disk.
        }
        catch (OperationCanceledException) when (handle.CancelRequested)
        {
            final = new Cancelled(tally.Attempts);
            recorder.Record(method, final);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The engine failed on run {RunId} ({Method})", runId, method);
            final = new Failed($"The engine failed: {FirstLine(ex.Message)}");
            recorder.Record(method, final);
        }

        if (final is null)
        {
            if (Interrupted())
            {
                writer.Enqueue(new MethodFinishedWrite(runId, method, RunStatus.Interrupted, tally.Attempts, tally.Tokens, null, null, DateTimeOffset.UtcNow));
                return (MethodEnd.Interrupted, default);
            }
            final = new Failed("The engine ended without a final event.");
            recorder.Record(method, final);
        }

        var (status, reason, toDiscovery) = final switch
        {
            Discovered d => (RunStatus.Discovered, (string?)null, (int?)(d.AttemptIndex + 1)),
            Exhausted => (RunStatus.Exhausted, null, null),
            Cancelled => (RunStatus.Cancelled, null, null),
            Failed f => (RunStatus.Failed, f.Reason, null),
            _ => (RunStatus.Failed, $"Unexpected final event '{final.Name}'.", null),
        };
        writer.Enqueue(new MethodFinishedWrite(runId, method, status, tally.Attempts, tally.Tokens, toDiscovery, reason, DateTimeOffset.UtcNow));
        return (MethodEnd.Finished, (status, reason));
    }

    /// <summary>The first line of an engine error: LibTorch's native errors go on with a C++ stack trace naming the
    /// server's paths, which belongs in the log (it is logged above), not in a run's failure reason.</summary>
    private static string FirstLine(string message)
    {
        var trimmed = message.TrimStart();
        var end = trimmed.IndexOfAny(['\r', '\n']);
        return (end < 0 ? trimmed : trimmed[..end]).TrimEnd();
    }

    private void FailRemaining(RunRecorder recorder, List<RunMethodEntity> methods, Dictionary<string, (RunStatus Status, string? Reason)> outcomes, string reason)
    {
        foreach (var method in methods.Where(m => !outcomes.ContainsKey(m.Method)).ToList())
            EndMethod(recorder, method, outcomes, RunStatus.Failed, reason);
    }

    /// <summary>Ends, cancelled or failed, a method the engine is not running: its final event, its row, its outcome, and
    /// no resume state left.</summary>
    private void EndMethod(RunRecorder recorder, RunMethodEntity method, Dictionary<string, (RunStatus Status, string? Reason)> outcomes,
        RunStatus status, string? reason)
    {
        var tally = recorder.Tally(method.Method);
        recorder.Record(method.Method, status == RunStatus.Cancelled ? new Cancelled(tally.Attempts) : new Failed(reason!));
        outcomes[method.Method] = (status, reason);
        writer.Enqueue(new MethodFinishedWrite(method.RunId, method.Method, status, tally.Attempts, tally.Tokens, null, reason, DateTimeOffset.UtcNow));
        DiscardResumeState(method.RunId, method);
    }

    private void DiscardResumeState(Guid runId, RunMethodEntity method) =>
        paths.DiscardResumeState(runId, method.Method, primary: method.Order == 0, logger);

    /// <summary>Ends the run with its <c>ended</c> event, numbered after every method's final event.</summary>
    private void Finish(RunRecorder recorder, Guid runId, List<RunMethodEntity> methods, Dictionary<string, (RunStatus Status, string? Reason)> outcomes,
        (RunStatus Status, string? Reason) runOutcome)
    {
        var ended = recorder.End(runOutcome.Status, runOutcome.Reason,
            methods.Where(m => outcomes.ContainsKey(m.Method)).Select(m => new RunEndedMethod(m.Method, outcomes[m.Method].Status)).ToList());
        writer.Enqueue(new RunFinishedWrite(runId, runOutcome.Status, runOutcome.Reason, DateTimeOffset.UtcNow, ended));
        activity.Ended(runId, runOutcome.Status, runOutcome.Reason,
            methods.Where(m => outcomes.ContainsKey(m.Method)).Select(m => (m.Method, outcomes[m.Method].Status, recorder.Tally(m.Method).Attempts)));
    }

    /// <summary>The run with its methods, or null when it is unknown or has ended already (its streams then close).</summary>
    private async Task<RunEntity?> LoadUnfinishedAsync(Guid runId)
    {
        // Anything reported by an earlier execution of this run must be saved before it is read back.
        await writer.FlushAsync();
        await using var db = await contexts.CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().Include(r => r.Methods).FirstOrDefaultAsync(r => r.Id == runId);
        if (run is null || !run.Status.IsFinished()) return run;
        hub.Complete(runId);
        return null;
    }

    private async Task<RunRecorder> CreateRecorderAsync(RunEntity run)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var lastSequence = await db.Events.Where(e => e.RunId == run.Id).MaxAsync(e => (long?)e.Sequence) ?? 0;
        var attempts = await db.Attempts.Where(a => a.RunId == run.Id).Select(a => new { a.Method, a.Index, a.TokenCount }).ToListAsync();
        var steps = await db.Steps.Where(s => s.RunId == run.Id).Select(s => new { s.Method, s.Step }).ToListAsync();
        var tallies = new Dictionary<string, MethodTally>();
        foreach (var method in run.Methods)
        {
            var tally = new MethodTally();
            foreach (var attempt in attempts.Where(a => a.Method == method.Method))
            {
                tally.ReportedAttempts.Add(attempt.Index);
                tally.Attempts = Math.Max(tally.Attempts, attempt.Index + 1);
                tally.Tokens += attempt.TokenCount;
            }
            foreach (var step in steps.Where(s => s.Method == method.Method)) tally.ReportedSteps.Add(step.Step);
            tallies[method.Method] = tally;
        }
        return new RunRecorder(run.Id, lastSequence, tallies, writer, metrics);
    }
}
