using System.Threading.Channels;
using Microsoft.Data.Sqlite;
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
/// A save the database refuses for a while (disk full, locked, I/O error) is retried, in order, until it is taken;
/// an event reaches the run's streams only once it is saved, so no client ever holds an event id the database lacks.
/// </summary>
public sealed class RunWriter : BackgroundService
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _abandon = new();
    private readonly IDbContextFactory<SdpoDbContext> _contexts;
    private readonly RunEventHub _hub;
    private readonly ILogger<RunWriter> _logger;
    private readonly int _batchSize;
    private volatile WriteFailure? _failure;
    private int _backlog;

    public RunWriter(IDbContextFactory<SdpoDbContext> contexts, RunEventHub hub, IOptions<ServiceOptions> options, ILogger<RunWriter> logger)
    {
        _contexts = contexts;
        _hub = hub;
        _logger = logger;
        _batchSize = options.Value.WriterBatchSize;
    }

    /// <summary>Writes waiting to be saved, the batch being saved included.</summary>
    public int Backlog => Volatile.Read(ref _backlog);

    /// <summary>Why saves are failing now, and since when; null while they succeed.</summary>
    public WriteFailure? Failure => _failure;

    public void Enqueue(RunWrite write)
    {
        // Counted before it is queued, so the reader never takes it off the count first.
        Interlocked.Increment(ref _backlog);
        if (_queue.Writer.TryWrite(write)) return;
        Interlocked.Decrement(ref _backlog);
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
        // Either the queue is drained, or the host's shutdown timeout passed while saves still failed: stop retrying.
        await _abandon.CancelAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The loop ends when the queue is completed and drained, not on the stopping token: a shutdown must
        // still save what the workers reported while stopping.
        var batch = new List<object>(_batchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
            {
                batch.Clear();
                while (batch.Count < _batchSize && _queue.Reader.TryRead(out var item)) batch.Add(item);
                await SaveAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            // None of these events was streamed, so no client saw them; the run resumes at the next start from the
            // database's records, numbering its events after the saved ones (docs/service.md, "When the database refuses writes").
            while (_queue.Reader.TryRead(out var item)) batch.Add(item);
            var lost = batch.OfType<RunWrite>().ToList();
            _logger.LogCritical("The service stopped while the database still refused writes: {Count} writes of runs {Runs} are lost ({Reason})",
                lost.Count, string.Join(", ", lost.Select(w => w.RunId).Distinct()), _failure?.Reason);
            foreach (var flushed in batch.OfType<TaskCompletionSource>()) flushed.TrySetCanceled();
        }
    }

    private async Task SaveAsync(List<object> batch)
    {
        var writes = batch.OfType<RunWrite>().ToList();
        if (writes.Count > 0)
        {
            var saved = writes;
            if (await TrySaveAsync(writes) is { } error)
            {
                // Save what can be saved: one bad write must not take its neighbours with it.
                _logger.LogError(error, "Saving a batch of {Count} run writes failed; saving them one by one", writes.Count);
                saved = [];
                foreach (var write in writes)
                {
                    if (await TrySaveAsync([write]) is { } single)
                        _logger.LogError(single, "Could not save {Write} for run {RunId}", write.GetType().Name, write.RunId);
                    else
                        saved.Add(write);
                }
            }
            AfterSave(saved, writes);
            Interlocked.Add(ref _backlog, -writes.Count);
        }
        foreach (var flushed in batch.OfType<TaskCompletionSource>()) flushed.TrySetResult();
    }

    /// <summary>Saves the writes, retrying for as long as the database cannot take them (doubling the wait up to
    /// <see cref="MaxRetryDelay"/>); null once saved, or the error when the database refuses these writes themselves.</summary>
    private async Task<Exception?> TrySaveAsync(IReadOnlyList<RunWrite> writes)
    {
        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                await ApplyAsync(writes);
                if (_failure is { } ended)
                {
                    _logger.LogWarning("Run writes are saved again, after failing for {Seconds:F0} s", (DateTimeOffset.UtcNow - ended.Since).TotalSeconds);
                    _failure = null;
                }
                return null;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                // Logged once per episode, not once per retry; /health reports it meanwhile.
                if (_failure is null)
                {
                    _logger.LogError(ex, "The database refuses run writes; retrying until it takes them, nothing is streamed meanwhile");
                    _failure = new WriteFailure(Innermost(ex).Message, DateTimeOffset.UtcNow);
                }
                await Task.Delay(delay, _abandon.Token);
                delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    /// <summary>Whether the database failed rather than the writes: a full disk, a lock held past the busy timeout,
    /// an I/O error, a file it cannot open or write. These pass; a constraint the writes break does not.</summary>
    private static bool IsTransient(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is IOException) return true;
            if (e is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is
                    5 /* BUSY */ or 6 /* LOCKED */ or 7 /* NOMEM */ or 8 /* READONLY */ or 10 /* IOERR */ or 13 /* FULL */ or 14 /* CANTOPEN */ or 15 /* PROTOCOL */)
                return true;
        }
        return false;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private void AfterSave(List<RunWrite> saved, List<RunWrite> writes)
    {
        // Streamed only now, in order: an event that was never saved is never seen, so its id cannot be reused for another.
        foreach (var write in saved)
        {
            if (write is EventWrite { Stored: { } stored }) _hub.Publish(write.RunId, stored);
            else if (write is RunFinishedWrite { Ended: { } ended }) _hub.Publish(write.RunId, ended);
        }
        // A run's streams end even when its last write was refused: the run itself has ended.
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
                        run.FailureReason = null; // the note of an interruption it now resumes from
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
                    if (runFinished.Ended is { } ended)
                    {
                        // A run-level event: it belongs to no one method.
                        db.Events.Add(new EventEntity
                        {
                            RunId = runFinished.RunId, Sequence = ended.Sequence, Name = ended.Name, Method = "",
                            IsFinal = ended.IsFinal, Payload = ended.Data, CreatedAt = runFinished.At,
                        });
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

/// <summary>Why the writer's saves fail, and since when.</summary>
public sealed record WriteFailure(string Reason, DateTimeOffset Since);
