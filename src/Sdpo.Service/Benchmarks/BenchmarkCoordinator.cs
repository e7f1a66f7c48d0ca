using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Metrics;
using Sdpo.Service.Api;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Benchmarks;

/// <summary>
/// Drives every active benchmark from its stored state, so a restart simply carries on: it notes the runs
/// that have ended, selects hard problems when asked (best-of-k sampling runs, restarted after each pass; see
/// <see cref="PassRateSampling"/>), plans the (problem, method, seed) runs, and feeds them to the ordinary run
/// queue a few at a time (<see cref="BenchmarkOptions.MaxOutstandingRuns"/>), never past a full queue. When
/// every run has ended it saves the report. Each step is written as a benchmark event.
/// </summary>
public sealed class BenchmarkCoordinator(
    IDbContextFactory<SdpoDbContext> contexts,
    IProblemResolver problems,
    IEngineProvider engines,
    RunSubmitter submitter,
    RunCanceller canceller,
    BenchmarkSignals signals,
    BenchmarkGate gate,
    IOptions<BenchmarkOptions> options,
    ILogger<BenchmarkCoordinator> logger) : BackgroundService
{
    /// <summary>Unexpected errors in a row after which a benchmark is failed rather than retried forever.</summary>
    public const int MaxConsecutiveErrors = 3;

    private static readonly BenchmarkStatus[] Active = [BenchmarkStatus.Queued, BenchmarkStatus.Screening, BenchmarkStatus.Running];
    private readonly Dictionary<Guid, int> _errors = [];
    private readonly HashSet<Guid> _waitingForModel = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await AdvanceAllAsync(stoppingToken);
                await signals.WaitForWorkAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The benchmark coordinator failed a round; retrying");
                try { await Task.Delay(interval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private async Task AdvanceAllAsync(CancellationToken cancellationToken)
    {
        List<Guid> active;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // SQLite cannot order by DateTimeOffset: oldest first, on this side.
            var rows = await db.Benchmarks.Where(b => Active.Contains(b.Status)).Select(b => new { b.Id, b.CreatedAt }).ToListAsync(cancellationToken);
            active = rows.OrderBy(b => b.CreatedAt).Select(b => b.Id).ToList();
        }
        foreach (var id in active)
        {
            try
            {
                await AdvanceAsync(id, cancellationToken);
                _errors.Remove(id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var count = _errors[id] = _errors.GetValueOrDefault(id) + 1;
                logger.LogError(ex, "Benchmark {BenchmarkId} could not advance ({Count} in a row)", id, count);
                if (count >= MaxConsecutiveErrors)
                {
                    _errors.Remove(id);
                    await FailAsync(id, $"The benchmark failed in the service: {ex.Message}", cancellationToken);
                }
            }
        }
    }

    private async Task AdvanceAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var benchmark = await db.Benchmarks.Include(b => b.Problems).FirstAsync(b => b.Id == id, cancellationToken);
        var rows = await db.BenchmarkRuns.Where(r => r.BenchmarkId == id).OrderBy(r => r.Order).ToListAsync(cancellationToken);
        var lastSequence = await db.BenchmarkEvents.Where(e => e.BenchmarkId == id).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        var state = new Advance(db, benchmark, rows, Request(benchmark), lastSequence);

        if (benchmark.CancelRequested)
        {
            await StopAsync(state, cancellationToken);
            return;
        }
        var model = engines.Find(benchmark.Model);
        if (model is null)
        {
            // As its runs do (RunRecovery): a model missing through a mistake in the settings must not end the benchmark for
            // good, and its failureReason says what it waits for, as theirs do.
            var waiting = $"Waiting for model '{benchmark.Model}', which is not configured: the benchmark carries on at the first start with that model configured again.";
            if (benchmark.FailureReason != waiting)
            {
                benchmark.FailureReason = waiting;
                await SaveAsync(state, cancellationToken);
            }
            if (_waitingForModel.Add(id))
                logger.LogWarning("Benchmark {BenchmarkId} waits: its model {Model} is not configured; it carries on at the first start with that model configured again",
                    id, benchmark.Model);
            return;
        }
        // A benchmark not ended has a failure reason only while it waits for its model, which is back.
        benchmark.FailureReason = null;

        await ObserveEndedRunsAsync(state, cancellationToken);
        if (benchmark.Status == BenchmarkStatus.Queued) Start(state);
        if (benchmark.Status == BenchmarkStatus.Screening) Screen(state);
        if (benchmark.Status == BenchmarkStatus.Running && state.Request.MeasureTeacherAdvantage) await MeasureGateWhenDoneAsync(state, model, cancellationToken);
        if (benchmark.Status == BenchmarkStatus.Running) CompleteWhenDone(state);
        await SaveAsync(state, cancellationToken);
        if (!benchmark.Status.IsFinished()) await SubmitAsync(state, model, cancellationToken);
    }

    private static BenchmarkRequest Request(BenchmarkEntity benchmark) =>
        JsonSerializer.Deserialize<BenchmarkRequest>(benchmark.RequestJson, ServiceJson.Options)
        ?? throw new InvalidOperationException("The stored benchmark request is empty.");

    /// <summary>Copies the outcome of every run that has ended since the last look.</summary>
    private static async Task ObserveEndedRunsAsync(Advance state, CancellationToken cancellationToken)
    {
        var pending = state.Rows.Where(r => r.RunId is not null && r.Status is null).ToList();
        if (pending.Count == 0) return;
        var ids = pending.Select(r => r.RunId!.Value).ToList();
        var runs = await state.Db.Runs.AsNoTracking().Include(r => r.Methods).Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        foreach (var row in pending)
        {
            if (!runs.TryGetValue(row.RunId!.Value, out var run))
            {
                row.Status = RunStatus.Failed;
                row.FinishedAt = DateTimeOffset.UtcNow;
            }
            else if (run.Status.IsFinished())
            {
                var primary = run.Methods.FirstOrDefault(m => m.Order == 0);
                row.Status = run.Status;
                row.Attempts = primary?.Attempts ?? 0;
                row.AttemptsToDiscovery = run.Status == RunStatus.Discovered ? primary?.AttemptsToDiscovery : null;
                row.FinishedAt = run.FinishedAt ?? DateTimeOffset.UtcNow;
                row.Seconds = ExecutionTime.Milliseconds(run) / 1000;
            }
            else continue;
            state.Add(new BenchmarkRunEnded(row.Purpose, row.ProblemIndex, row.Method, row.Seed, row.RunId.Value, row.Status.Value,
                row.Attempts, row.AttemptsToDiscovery, state.Counts()));
        }
    }

    /// <summary>
    /// A cancel (<see cref="BenchmarkCanceller"/> has already cancelled the runs it found): no more runs are queued, and
    /// its runs not ended are cancelled again each round as DELETE /solve/{id} cancels one, for one submitted while the
    /// cancel was being made, or one a restart found (its cancel saved, a queued one out of its queue and ended at once).
    /// The benchmark ends cancelled once every run it submitted has ended, each with its <c>run</c> event, so its
    /// progress and its stream account for every run; runs planned but never submitted stay so.
    /// </summary>
    private async Task StopAsync(Advance state, CancellationToken cancellationToken)
    {
        var outstanding = state.Rows.Where(r => r.RunId is not null && r.Status is null).Select(r => r.RunId!.Value).ToList();
        await canceller.CancelAsync(outstanding, cancellationToken);
        await ObserveEndedRunsAsync(state, cancellationToken);
        if (state.Rows.All(r => r.RunId is null || r.Status is not null))
        {
            var counts = state.Counts();
            Finish(state, BenchmarkStatus.Cancelled, new BenchmarkCancelled(counts.RunsFinished, counts));
        }
        await SaveAsync(state, cancellationToken);
    }

    private static void Start(Advance state)
    {
        state.Benchmark.StartedAt = DateTimeOffset.UtcNow;
        if (state.Request.SelectHard is not null)
        {
            state.Benchmark.Status = BenchmarkStatus.Screening;
            state.Add(new BenchmarkPhase("screening", state.Benchmark.Problems.Count, 0));
            return;
        }
        foreach (var problem in state.Benchmark.Problems) problem.Selected = true;
        PlanMainRuns(state);
    }

    /// <summary>Hard-problem selection: judge each problem whose sampling is done, start its next sampling run otherwise.</summary>
    private static void Screen(Advance state)
    {
        var selection = state.Request.SelectHard!;
        foreach (var problem in state.Benchmark.Problems.Where(p => p.Selected is null).OrderBy(p => p.Index))
        {
            var segments = state.Rows.Where(r => r.Purpose == BenchmarkRunEntity.ScreeningPurpose && r.ProblemIndex == problem.Index).ToList();
            if (segments.Any(s => s.Status is null)) continue;

            var sampling = new PassRateSampling(selection.Samples, selection.K!.Value);
            string? note = null;
            foreach (var segment in segments)
            {
                if (segment.Status is not (RunStatus.Discovered or RunStatus.Exhausted))
                {
                    note = $"A sampling run ended {segment.Status.ToString()!.ToLowerInvariant()}; the problem is left out.";
                    break;
                }
                try
                {
                    bool passed = segment.Status == RunStatus.Discovered;
                    sampling.Record(passed ? segment.AttemptsToDiscovery ?? segment.Attempts : segment.Attempts, passed);
                }
                catch (ArgumentException ex)
                {
                    note = $"A sampling run reported inconsistent attempts ({ex.Message}); the problem is left out.";
                    break;
                }
            }
            problem.ScreenedSamples = sampling.Drawn;
            problem.ScreenedPasses = sampling.Passes;
            if (note is null && !sampling.IsComplete)
            {
                state.AddRow(problem.Index, BenchmarkRunEntity.ScreeningPurpose, DiscoveryMethod.BestOfK.ToWire(), sampling.NextSegmentSeed, sampling.NextSegmentBudget);
                continue;
            }
            if (note is null)
            {
                problem.BasePassAtK = sampling.PassAtKEstimate;
                problem.Selected = problem.BasePassAtK < selection.Threshold;
            }
            else
            {
                problem.Selected = false;
                problem.ScreeningNote = note;
            }
            state.Add(new BenchmarkProblemScreened(problem.Index, problem.Label, sampling.Drawn, sampling.Passes, sampling.K, problem.BasePassAtK,
                problem.Selected.Value, note));
        }
        if (state.Benchmark.Problems.All(p => p.Selected is not null)) PlanMainRuns(state);
    }

    /// <summary>The benchmark's runs, seed by seed so partial results stay balanced: for each seed, each problem, each method.</summary>
    private static void PlanMainRuns(Advance state)
    {
        var selected = state.Benchmark.Problems.Where(p => p.Selected == true).OrderBy(p => p.Index).ToList();
        var request = state.Request;
        for (int seed = 1; seed <= request.Seeds!.Value; seed++)
            foreach (var problem in selected)
                foreach (var method in request.Methods!)
                    state.AddRow(problem.Index, BenchmarkRunEntity.MainPurpose, method.ToWire(), seed, request.Budget!.MaxAttempts);
        state.Benchmark.Status = BenchmarkStatus.Running;
        state.Add(new BenchmarkPhase("running", selected.Count, state.Rows.Count(r => r.Purpose == BenchmarkRunEntity.MainPurpose)));
    }

    /// <summary>Once every run has ended, measures the teacher advantage (once: a restart finds its event and goes on).</summary>
    private async Task MeasureGateWhenDoneAsync(Advance state, ModelInfo model, CancellationToken cancellationToken)
    {
        if (state.Rows.Any(r => r.Purpose == BenchmarkRunEntity.MainPurpose && r.Status is null)) return;
        var id = state.Benchmark.Id;
        if (await state.Db.BenchmarkEvents.AnyAsync(e => e.BenchmarkId == id && e.Name == BenchmarkTeacherAdvantage.EventName, cancellationToken)) return;
        IDiscoveryEngine engine;
        try
        {
            engine = await engines.GetEngineAsync(model, Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (ModelUnavailableException ex)
        {
            state.Add(new BenchmarkTeacherAdvantage(null, null, 0, [], $"Not measured: {ex.Message}"));
            return;
        }
        state.Add(await gate.MeasureAsync(state.Db, state.Benchmark, state.Request, state.Rows, model, engine, cancellationToken));
    }

    private static void CompleteWhenDone(Advance state)
    {
        if (state.Rows.Any(r => r.Purpose == BenchmarkRunEntity.MainPurpose && r.Status is null)) return;
        var report = BenchmarkResults.Build(state.Request, state.Benchmark.Problems, state.Rows, allowEmpty: true)!;
        state.Benchmark.ResultJson = JsonSerializer.Serialize(report, ServiceJson.Options);
        var summaries = report.Methods.Select(m => new BenchmarkMethodSummary(m.Method, m.Runs, m.Discoveries,
            m.Curve.Count == 0 ? null : m.Curve[^1].Estimate, m.MeanAttemptsToDiscovery)).ToList();
        var first = report.AttemptsRatios.FirstOrDefault();
        var ratios = report.AttemptsRatios.ToDictionary(r => r.Method, r => new BenchmarkMethodRatios(r.Ratio, r.WallTimeRatio), StringComparer.Ordinal);
        Finish(state, BenchmarkStatus.Completed,
            new BenchmarkCompleted(summaries, first?.Ratio, $"/benchmarks/{state.Benchmark.Id}", first?.WallTimeRatio, first?.Method, ratios));
    }

    private static void Finish(Advance state, BenchmarkStatus status, BenchmarkEvent final, string? reason = null)
    {
        state.Benchmark.Status = status;
        state.Benchmark.FailureReason = reason;
        state.Benchmark.FinishedAt = DateTimeOffset.UtcNow;
        state.Add(final);
    }

    /// <summary>Queues runs not yet submitted while the benchmark has room and the device's queue takes them.</summary>
    private async Task SubmitAsync(Advance state, ModelInfo model, CancellationToken cancellationToken)
    {
        int outstanding = state.Rows.Count(r => r.RunId is not null && r.Status is null);
        var id = state.Benchmark.Id;
        foreach (var row in state.Rows.Where(r => r.RunId is null && r.Status is null).OrderBy(r => r.Order).ToList())
        {
            if (outstanding >= options.Value.MaxOutstandingRuns) break;
            // A cancel made during this round queues nothing more (one that comes just after this look is caught by the
            // next round, which cancels what was submitted).
            if (await state.Db.Benchmarks.AnyAsync(b => b.Id == id && b.CancelRequested, cancellationToken)) break;
            var problem = state.Benchmark.Problems.First(p => p.Index == row.ProblemIndex);
            var spec = JsonDocument.Parse(problem.SpecJson).RootElement.Clone();
            ResolvedProblem resolved;
            try
            {
                resolved = await problems.ResolveAsync(spec, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The resolver accepted it at submission; a later build may not. The run counts as failed.
                logger.LogWarning(ex, "Benchmark {BenchmarkId}: problem {Index} no longer resolves", state.Benchmark.Id, row.ProblemIndex);
                row.Status = RunStatus.Failed;
                row.FinishedAt = DateTimeOffset.UtcNow;
                continue;
            }
            DiscoveryMethodNames.TryParse(row.Method, out var method);
            var request = state.Request;
            var solve = new SolveRequest
            {
                Problem = spec,
                Method = method,
                Budget = request.Budget! with { MaxAttempts = row.MaxAttempts },
                Sampling = request.Sampling,
                Sdpo = request.Sdpo,
                Seed = row.Seed,
                Model = model.Name,
                CompareWith = [],
            };
            var runId = await submitter.TrySubmitAsync(new SolveSubmission(solve, resolved, model), cancellationToken);
            if (runId is null) break;
            row.RunId = runId;
            row.SubmittedAt = DateTimeOffset.UtcNow;
            outstanding++;
            state.Add(new BenchmarkRunSubmitted(row.Purpose, row.ProblemIndex, row.Method, row.Seed, row.MaxAttempts, runId.Value, $"/solve/{runId}/events"));
            await SaveAsync(state, cancellationToken);
        }
        await SaveAsync(state, cancellationToken);
    }

    private async Task SaveAsync(Advance state, CancellationToken cancellationToken)
    {
        await state.Db.SaveChangesAsync(cancellationToken);
        if (state.TakeAdded()) signals.EventsSaved();
    }

    private async Task FailAsync(Guid id, string reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var benchmark = await db.Benchmarks.FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (benchmark is null || benchmark.Status.IsFinished()) return;
        var lastSequence = await db.BenchmarkEvents.Where(e => e.BenchmarkId == id).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        benchmark.Status = BenchmarkStatus.Failed;
        benchmark.FailureReason = reason;
        benchmark.FinishedAt = DateTimeOffset.UtcNow;
        db.BenchmarkEvents.Add(new BenchmarkFailed(reason).ToEntity(id, lastSequence + 1, DateTimeOffset.UtcNow));
        await db.SaveChangesAsync(cancellationToken);
        signals.EventsSaved();
    }

    /// <summary>One benchmark's tracked state during one round, and the events it adds.</summary>
    private sealed class Advance(SdpoDbContext db, BenchmarkEntity benchmark, List<BenchmarkRunEntity> rows, BenchmarkRequest request, long lastSequence)
    {
        private long _sequence = lastSequence;
        private bool _added;

        public SdpoDbContext Db { get; } = db;
        public BenchmarkEntity Benchmark { get; } = benchmark;
        public List<BenchmarkRunEntity> Rows { get; } = rows;
        public BenchmarkRequest Request { get; } = request;

        public void Add(BenchmarkEvent benchmarkEvent)
        {
            Db.BenchmarkEvents.Add(benchmarkEvent.ToEntity(Benchmark.Id, ++_sequence, DateTimeOffset.UtcNow));
            _added = true;
        }

        public bool TakeAdded()
        {
            var added = _added;
            _added = false;
            return added;
        }

        public void AddRow(int problemIndex, string purpose, string method, long seed, int maxAttempts)
        {
            var row = new BenchmarkRunEntity
            {
                BenchmarkId = Benchmark.Id, Order = Rows.Count == 0 ? 0 : Rows.Max(r => r.Order) + 1, ProblemIndex = problemIndex,
                Purpose = purpose, Method = method, Seed = seed, MaxAttempts = maxAttempts,
            };
            Rows.Add(row);
            Db.BenchmarkRuns.Add(row);
        }

        public BenchmarkCounts Counts()
        {
            var main = BenchmarkRunTally.Of(Rows, BenchmarkRunEntity.MainPurpose);
            var screening = BenchmarkRunTally.Of(Rows, BenchmarkRunEntity.ScreeningPurpose);
            return new BenchmarkCounts(main.Ended, main.Planned, main.Attempts, main.Discoveries, main.Cancelled,
                screening.Submitted, screening.Ended, screening.Cancelled);
        }
    }
}
