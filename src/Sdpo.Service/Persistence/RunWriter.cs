using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;
using Sdpo.Service.Execution;

namespace Sdpo.Service.Persistence;

/// <summary>
/// Saves run records off the engine's path: producers enqueue without waiting, one background loop saves
/// whatever has accumulated in one transaction. It stops after the workers (hosted services stop in reverse
/// order of registration) and drains its queue first, so nothing a run reported is lost on shutdown.
/// </summary>
public sealed class RunWriter : BackgroundService
{
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDbContextFactory<SdpoDbContext> _contexts;
    private readonly RunEventHub _hub;
    private readonly ILogger<RunWriter> _logger;
    private readonly int _batchSize;

    public RunWriter(IDbContextFactory<SdpoDbContext> contexts, RunEventHub hub, IOptions<ServiceOptions> options, ILogger<RunWriter> logger)
    {
        _contexts = contexts;
        _hub = hub;
        _logger = logger;
        _batchSize = options.Value.WriterBatchSize;
    }

    /// <summary>Writes waiting to be saved.</summary>
    public int Backlog => _queue.Reader.Count;

    public void Enqueue(RunWrite write)
    {
        if (!_queue.Writer.TryWrite(write))
            _logger.LogError("A write for run {RunId} arrived after the writer stopped and was dropped: {Write}", write.RunId, write.GetType().Name);
    }

    /// <summary>Completes once everything enqueued before the call is saved.</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(flushed)) flushed.TrySetResult();
        return flushed.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The loop ends when the queue is completed and drained, not on the stopping token: a shutdown must
        // still save what the workers reported while stopping.
        var batch = new List<object>(_batchSize);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < _batchSize && _queue.Reader.TryRead(out var item)) batch.Add(item);
            await SaveAsync(batch);
        }
    }

    private async Task SaveAsync(List<object> batch)
    {
        var writes = batch.OfType<RunWrite>().ToList();
        if (writes.Count > 0)
        {
            try
            {
                await ApplyAsync(writes);
            }
            catch (Exception ex)
            {
                // Save what can be saved: one bad write must not take its neighbours with it.
                _logger.LogError(ex, "Saving a batch of {Count} run writes failed; saving them one by one", writes.Count);
                foreach (var write in writes)
                {
                    try { await ApplyAsync([write]); }
                    catch (Exception single) { _logger.LogError(single, "Could not save {Write} for run {RunId}", write.GetType().Name, write.RunId); }
                }
            }
            AfterSave(writes);
        }
        foreach (var flushed in batch.OfType<TaskCompletionSource>()) flushed.TrySetResult();
    }

    private void AfterSave(List<RunWrite> writes)
    {
        foreach (var group in writes.OfType<EventWrite>().Where(w => w.Stored is not null).GroupBy(w => w.RunId))
            _hub.MarkSaved(group.Key, group.Max(w => w.Stored!.Sequence));
        foreach (var finished in writes.OfType<RunFinishedWrite>())
            _hub.Complete(finished.RunId);
    }

    private async Task ApplyAsync(IReadOnlyList<RunWrite> writes)
    {
        await using var db = await _contexts.CreateDbContextAsync();
        foreach (var write in writes)
        {
            switch (write)
            {
                case RunStartedWrite started:
                    if (await db.Runs.FindAsync(started.RunId) is { } run)
                    {
                        run.Status = RunStatus.Running;
                        await ExecutionTime.StartAsync(db, run, run.Id, null, started.At);
                        run.StartedAt ??= started.At;
                        run.Executions++;
                    }
                    break;
                case MethodStartedWrite methodStarted:
                    if (await db.RunMethods.FindAsync(methodStarted.RunId, methodStarted.Method) is { } method)
                    {
                        method.Status = RunStatus.Running;
                        await ExecutionTime.StartAsync(db, method, method.RunId, method.Method, methodStarted.At);
                        method.StartedAt ??= methodStarted.At;
                    }
                    break;
                case EventWrite eventWrite:
                    await ApplyEventAsync(db, eventWrite);
                    break;
                case MethodFinishedWrite methodFinished:
                    if (await db.RunMethods.FindAsync(methodFinished.RunId, methodFinished.Method) is { } finishedMethod)
                    {
                        finishedMethod.Status = methodFinished.Status;
                        finishedMethod.Attempts = methodFinished.Attempts;
                        finishedMethod.Tokens = methodFinished.Tokens;
                        finishedMethod.AttemptsToDiscovery = methodFinished.AttemptsToDiscovery;
                        finishedMethod.FailureReason = methodFinished.Reason;
                        finishedMethod.FinishedAt = methodFinished.Status.IsFinished() ? methodFinished.At : null;
                        ExecutionTime.End(finishedMethod, methodFinished.At);
                    }
                    break;
                case RunFinishedWrite runFinished:
                    if (await db.Runs.FindAsync(runFinished.RunId) is { } finishedRun)
                    {
                        finishedRun.Status = runFinished.Status;
                        finishedRun.FailureReason = runFinished.Reason;
                        finishedRun.FinishedAt = runFinished.Status.IsFinished() ? runFinished.At : null;
                        ExecutionTime.End(finishedRun, runFinished.At);
                    }
                    break;
            }
        }
        await db.SaveChangesAsync();
    }

    private static async Task ApplyEventAsync(SdpoDbContext db, EventWrite write)
    {
        switch (write.Event)
        {
            case AttemptEvaluated attempt:
                var row = await db.Attempts.FindAsync(write.RunId, write.Method, attempt.Index);
                if (row is null)
                {
                    row = new AttemptEntity { RunId = write.RunId, Method = write.Method, Index = attempt.Index, CreatedAt = write.At };
                    db.Attempts.Add(row);
                }
                row.Step = attempt.Step;
                row.Text = attempt.Text;
                row.TokenCount = attempt.TokenCount;
                row.VerdictStatus = attempt.Verdict.Status.ToString();
                row.Passed = attempt.Verdict.Passed;
                row.Feedback = attempt.Verdict.Feedback;
                row.SamplingMs = attempt.Timings.SamplingMs;
                row.VerifyingMs = attempt.Timings.VerifyingMs;
                row.VerdictReused = attempt.VerdictReused;
                row.Sandboxed = attempt.Verdict.Sandboxed;
                break;
            case StepCompleted step:
                var stepRow = await db.Steps.FindAsync(write.RunId, write.Method, step.Step);
                if (stepRow is null)
                {
                    stepRow = new StepEntity { RunId = write.RunId, Method = write.Method, Step = step.Step, CreatedAt = write.At };
                    db.Steps.Add(stepRow);
                }
                stepRow.AttemptsSoFar = step.AttemptsSoFar;
                stepRow.Loss = step.Loss;
                stepRow.MeanDivergence = step.MeanDivergence;
                stepRow.MeanTeacherStudentLogRatio = step.MeanTeacherStudentLogRatio;
                stepRow.GradNorm = step.GradNorm;
                stepRow.TrainedAttempts = step.TrainedAttempts;
                stepRow.SamplingMs = step.Timings.SamplingMs;
                stepRow.VerifyingMs = step.Timings.VerifyingMs;
                stepRow.TeacherMs = step.Timings.TeacherMs;
                stepRow.UpdateMs = step.Timings.UpdateMs;
                break;
        }
        if (write.Stored is { } stored)
        {
            db.Events.Add(new EventEntity
            {
                RunId = write.RunId,
                Sequence = stored.Sequence,
                Name = stored.Name,
                Method = write.Method,
                IsFinal = stored.IsFinal,
                Payload = stored.Data,
                CreatedAt = write.At,
            });
        }
    }
}
