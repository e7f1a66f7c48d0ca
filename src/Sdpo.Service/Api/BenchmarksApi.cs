using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Engine;
using Sdpo.Engine.Metrics;
using Sdpo.Reports.Plots;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>POST /benchmarks and the endpoints that follow one benchmark.</summary>
public static class BenchmarksApi
{
    public const string AttemptsRatioDefinition =
        "attemptsRatios[]: for each method other than best-of-k, with L = best-of-k's discovery@budget over its completed runs, " +
        "baselineAttempts = the smallest k at which best-of-k's discovery@k reaches L, methodAttempts = the smallest k at which the " +
        "method's discovery@k reaches L, and ratio = baselineAttempts / methodAttempts: how many times fewer attempts the method needs " +
        "to discover as often as best-of-k does with the whole budget. Null when best-of-k never discovers (L = 0) or the method never " +
        "reaches L within the budget. baselineSeconds and methodSeconds are those attempts times each method's mean seconds per attempt " +
        "(each run's time executing on the device, its durationMs: sampling, verifying and learning, without queue waits or the " +
        "service's downtime before a resume), and wallTimeRatio = baselineSeconds / methodSeconds: above 1 the method reaches L sooner.";

    public static IEndpointRouteBuilder MapBenchmarksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/benchmarks").WithTags("Benchmarks");

        group.MapPost("/", SubmitAsync)
            .WithName("Benchmark")
            .WithSummary("Run a benchmark: every (problem, method, seed) as a run through the queue, then discovery@k curves")
            .WithDescription("Problems come inline (`problems`: specs as POST /solve takes them), as a built-in suite drawn by seed " +
                             "(`suite`: arithmetic-easy, -mid, -hard or -rare), as a multipart upload (part `problems`: JSONL, one spec a line; " +
                             "part `request`: the other options as JSON) or as an `application/x-ndjson` body (or application/jsonl, " +
                             "application/x-jsonlines, application/ndjson) with the options in the query " +
                             "(name, methods, seeds, maxAttempts, attemptsPerStep, chains, model, selectHard, samples, k, constrained, distinctAttempts, " +
                             "distinctEquivalence, measureTeacherAdvantage). With `selectHard` every candidate's " +
                             "base-model pass@k is first estimated from `samples` i.i.d. best-of-k attempts (runs restarted after each pass, so " +
                             "sampling does not stop at the first), and only problems below `threshold` are kept. Answers 202 with the id.")
            .Accepts<BenchmarkRequest>("application/json", ["multipart/form-data", .. BenchmarkRequestReader.NdjsonTypes])
            .WithMetadata(JsonLinesUploads.Instance)
            .Produces<BenchmarkAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .Produces<BodyTooLargeProblem>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithLocation("The benchmark's URL.", StatusCodes.Status202Accepted)
            .WithRetryAfter(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/", ListAsync)
            .WithName("Benchmarks")
            .WithSummary("Every benchmark, newest first, with its status, one page at a time (status=running and the like to filter)")
            .WithPaging("benchmarks")
            .WithStatusFilter<BenchmarkStatus>("benchmarks")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{id:guid}", GetAsync)
            .WithName("GetBenchmark")
            .WithSummary("A benchmark's progress and results: per method discovery@k with bootstrap intervals, mean attempts, attempts ratio, a row per problem")
            .WithDescription("results.methods[].curve: discovery@k (the share of completed runs whose first pass came at attempt k or " +
                             "earlier) at k = 1, 2, 4, … and the budget, each with a 90% percentile-bootstrap interval over runs; estimate, lower and " +
                             "upper are null for a method with no completed run (undefined, not 0). " +
                             "meanAttemptsToDiscovery averages over runs that discovered; meanAttemptsSpent counts a miss as the budget. " +
                             AttemptsRatioDefinition + " results.problems[]: each selected problem with every method's runs by seed. " +
                             "While the benchmark runs, results cover the runs ended so far (resultsFinal false).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/events", EventsAsync)
            .WithName("BenchmarkEvents")
            .WithEventStream(DocumentedEventStream.Benchmark)
            .WithLastEventId()
            .WithSummary("The benchmark's progress as server-sent events (queued, phase, submitted, run, screened, completed, failed, cancelled)")
            .WithDescription("Each event has an `id:` line; reconnecting with `Last-Event-ID` replays exactly the events after it, then live ones. " +
                             "An idle stream gets a keep-alive comment; the stream closes after the final event. A reconnect to an ended benchmark " +
                             "with nothing after `Last-Event-ID` is answered 204 (an EventSource then stops), and a `Last-Event-ID` beyond its last " +
                             "event 400. The `completed` event gives each method's ratios against best-of-k in `ratios`; its `attemptsRatio` and " +
                             "`wallTimeRatio` are those of the method `ratiosMethod` names. Attempt-level events of each run " +
                             "stream at the `eventsUrl` of its `submitted` event.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/plot.svg", (Guid id, SdpoDbContext db, CancellationToken ct) => PlotAsync(id, db, svg: true, ct))
            .WithName("BenchmarkPlotSvg")
            .WithSummary("discovery@k curves (log2 k axis, interval bands) as SVG")
            .Produces<Stream>(StatusCodes.Status200OK, "image/svg+xml")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/{id:guid}/plot.png", (Guid id, SdpoDbContext db, CancellationToken ct) => PlotAsync(id, db, svg: false, ct))
            .WithName("BenchmarkPlotPng")
            .WithSummary("discovery@k curves (log2 k axis, interval bands) as PNG")
            .Produces<Stream>(StatusCodes.Status200OK, "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{id:guid}", CancelOrDeleteAsync)
            .WithName("CancelBenchmark")
            .WithPurge("benchmark")
            .WithSummary("Cancel a benchmark: no more runs are queued, its queued or running runs are cancelled, and it ends cancelled once they have ended")
            .WithDescription("Cancelling is idempotent: on an ended benchmark it deletes nothing and answers 200 with its final status. " +
                             "With purge=true, an ended benchmark is deleted, its events and every run it made (their records and folders), 204; " +
                             "409 on one not ended yet (cancel it first), and while one of its runs has not ended, naming them; an `interrupted` one " +
                             "(stopped by a shutdown) resumes at the next start, so cancel it once the service is back. A benchmark, or a run, " +
                             "waiting for a model that is not configured is cancelled as any other: its waiting runs end `cancelled` at once.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithLocation("The benchmark's URL.", StatusCodes.Status202Accepted);
        return app;
    }

    private static async Task<Results<Accepted<BenchmarkAccepted>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        HttpContext http, BenchmarkRequestReader reader, BenchmarkSubmitter submitter, Sdpo.Verifiers.Sandbox.PythonSandbox python,
        IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        BenchmarkSubmission submission;
        try
        {
            submission = await reader.ReadAsync(http.Request, cancellationToken);
        }
        catch (RequestFieldException ex)
        {
            return RunProblems.Field(ex.Field, ex.Message);
        }
        catch (RequestBodyTooLargeException ex)
        {
            return RunProblems.TooLarge(ex);
        }
        catch (Exception ex) when (ex is ModelUnavailableException or ServiceUnavailableException)
        {
            return RunProblems.ModelUnavailable(http.Response, ex, options.Value.RetryAfterSeconds);
        }
        catch (EngineException ex)
        {
            return TypedResults.Problem(title: "The model is not available", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (await PythonVerifierGate.RefusalAsync(submission.Problems.Any(p => PythonVerifierGate.UsesPython(p.Spec)), python) is { } refused) return refused;
        var id = await submitter.SubmitAsync(submission, cancellationToken);
        var accepted = new BenchmarkAccepted(id, BenchmarkStatus.Queued, submission.Problems.Count, $"/benchmarks/{id}", $"/benchmarks/{id}/events");
        return TypedResults.Accepted(accepted.Url, accepted);
    }

    /// <summary>A benchmark in a list.</summary>
    public sealed record BenchmarkSummary(Guid Id, string Name, BenchmarkStatus Status, string Model, int Problems, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string Url)
    {
        public static BenchmarkSummary Example => new(Guid.Parse("0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c"), "arithmetic-hard", BenchmarkStatus.Completed,
            "arithmetic", 30, DateTimeOffset.Parse("2026-01-01T12:00:00Z"), DateTimeOffset.Parse("2026-01-01T14:00:00Z"), "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c");
    }

    /// <summary>A page of benchmarks, newest first; <c>total</c> counts every benchmark (of the status asked for).</summary>
    public sealed record BenchmarkPage(int Total, int Offset, int Limit, IReadOnlyList<BenchmarkSummary> Items)
    {
        public static BenchmarkPage Example => new(1, 0, Paging.DefaultPageSize, [BenchmarkSummary.Example]);
    }

    private static async Task<Results<Ok<BenchmarkPage>, ValidationProblem>> ListAsync(
        string? status, string? offset, string? limit, SdpoDbContext db, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(offset, limit, out var skip, out var take, out var problem)) return problem!;
        if (!StatusFilter.TryRead<BenchmarkStatus>(status, out var filter, out var statusProblem)) return statusProblem!;
        var query = db.Benchmarks.AsNoTracking();
        if (filter is { } only) query = query.Where(b => b.Status == only);
        var total = await query.CountAsync(cancellationToken);
        // Ids are version-7 GUIDs, stored as text that sorts by creation time (as GET /solve orders runs).
        var rows = await query.OrderByDescending(b => b.Id).Skip(skip).Take(take)
            .Select(b => new { b.Id, b.Name, b.Status, b.Model, Problems = b.Problems.Count, b.CreatedAt, b.FinishedAt })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new BenchmarkPage(total, skip, take,
            rows.Select(b => new BenchmarkSummary(b.Id, b.Name, b.Status, b.Model, b.Problems, b.CreatedAt, b.FinishedAt, $"/benchmarks/{b.Id}")).ToList()));
    }

    private static async Task<Results<Ok<BenchmarkDetails>, ProblemHttpResult>> GetAsync(Guid id, SdpoDbContext db, CancellationToken cancellationToken)
    {
        var benchmark = await db.Benchmarks.AsNoTracking().Include(b => b.Problems).FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (benchmark is null) return NotFound(id);
        var runs = await db.BenchmarkRuns.AsNoTracking().Where(r => r.BenchmarkId == id).ToListAsync(cancellationToken);
        var request = JsonSerializer.Deserialize<BenchmarkRequest>(benchmark.RequestJson, ServiceJson.Options)!;

        var inProgress = runs.Where(r => r.Purpose == BenchmarkRunEntity.MainPurpose && r.RunId is not null && r.Status is null)
            .Select(r => r.RunId!.Value).ToList();
        var attemptsInProgress = inProgress.Count == 0 ? 0 : await db.Attempts.LongCountAsync(a => inProgress.Contains(a.RunId), cancellationToken);
        var progress = BenchmarkProgress.Of(benchmark.Problems, request.SelectHard is not null, runs, attemptsInProgress);

        var (results, final) = ReportOf(benchmark, request, runs);
        var gate = await db.BenchmarkEvents.AsNoTracking()
            .Where(e => e.BenchmarkId == id && e.Name == BenchmarkTeacherAdvantage.EventName)
            .OrderByDescending(e => e.Sequence).Select(e => e.Payload).FirstOrDefaultAsync(cancellationToken);
        var teacherAdvantage = gate is null ? null : JsonSerializer.Deserialize<BenchmarkEvent>(gate, ServiceJson.Options) as BenchmarkTeacherAdvantage;
        var problems = benchmark.Problems.OrderBy(p => p.Index).Select(p => new BenchmarkProblemView(
            p.Index, p.Label, JsonDocument.Parse(p.SpecJson).RootElement.Clone(), p.Selected, p.ScreenedSamples, p.ScreenedPasses, p.BasePassAtK, p.ScreeningNote)).ToList();
        return TypedResults.Ok(new BenchmarkDetails(
            benchmark.Id, benchmark.Name, benchmark.Status, benchmark.Model, benchmark.FailureReason,
            benchmark.CreatedAt, benchmark.StartedAt, benchmark.FinishedAt, progress, request, problems, results, final, teacherAdvantage,
            $"/benchmarks/{id}/events", $"/benchmarks/{id}/plot.svg", $"/benchmarks/{id}/plot.png"));
    }

    private static (BenchmarkReport? Report, bool Final) ReportOf(BenchmarkEntity benchmark, BenchmarkRequest request, IReadOnlyList<BenchmarkRunEntity> runs) =>
        benchmark.ResultJson is { } saved
            ? (JsonSerializer.Deserialize<BenchmarkReport>(saved, ServiceJson.Options), true)
            : (BenchmarkResults.Build(request, benchmark.Problems, runs), false);

    private static async Task<Results<ServerSentEventStream, NoContent, ProblemHttpResult, ValidationProblem>> EventsAsync(
        Guid id, HttpRequest request, SdpoDbContext db, BenchmarkEventStream stream, IOptions<ServiceOptions> options,
        IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        long after = 0;
        var lastEventId = request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0 && (!long.TryParse(lastEventId, out after) || after < 0))
            return RunProblems.Field("Last-Event-ID", $"Last-Event-ID must be a non-negative event id, not '{lastEventId}'.");
        var benchmark = await db.Benchmarks.AsNoTracking().Where(b => b.Id == id).Select(b => new { b.Status }).FirstOrDefaultAsync(cancellationToken);
        if (benchmark is null) return NotFound(id);
        // As for runs: read after the status, the last saved id bounds every id handed out, and an ended benchmark has its final event saved.
        var lastSaved = await db.BenchmarkEvents.Where(e => e.BenchmarkId == id).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        if (after > lastSaved)
            return RunProblems.Field("Last-Event-ID", $"Last-Event-ID {after} is beyond benchmark {id}'s last event, {lastSaved}; no such event was sent.");
        if (benchmark.Status.IsFinished() && after == lastSaved) return TypedResults.NoContent();
        return new ServerSentEventStream(stream.ReadAsync(id, after, CancellationToken.None),
            TimeSpan.FromSeconds(options.Value.KeepAliveSeconds), lifetime.ApplicationStopping, subject: "benchmark");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PlotAsync(Guid id, SdpoDbContext db, bool svg, CancellationToken cancellationToken)
    {
        var benchmark = await db.Benchmarks.AsNoTracking().Include(b => b.Problems).FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (benchmark is null) return NotFound(id);
        var runs = await db.BenchmarkRuns.AsNoTracking().Where(r => r.BenchmarkId == id).ToListAsync(cancellationToken);
        var request = JsonSerializer.Deserialize<BenchmarkRequest>(benchmark.RequestJson, ServiceJson.Options)!;
        var (report, final) = ReportOf(benchmark, request, runs);
        if (report is null)
        {
            return TypedResults.Problem(title: "No results yet",
                detail: $"Benchmark {id} is {benchmark.Status.ToString().ToLowerInvariant()} and none of its runs has ended yet.",
                statusCode: StatusCodes.Status409Conflict);
        }
        var title = $"{benchmark.Name}: discovery@k, {report.Confidence * 100:0}% bootstrap intervals" + (final ? "" : " (partial)");
        return svg
            ? TypedResults.File(System.Text.Encoding.UTF8.GetBytes(DiscoveryCurvePlot.RenderSvg(report, title)), "image/svg+xml", $"benchmark-{id}.svg")
            : TypedResults.File(DiscoveryCurvePlot.RenderPng(report, title), "image/png", $"benchmark-{id}.png");
    }

    /// <summary>Without purge, a cancel: a benchmark not ended is cancelled (202); an ended one is left as it is and its outcome
    /// answered (200), so a cancel that meets its end, or a retried one, destroys nothing. With purge=true an ended one is deleted
    /// with its runs (204).</summary>
    private static async Task<Results<Accepted<BenchmarkAccepted>, Ok<BenchmarkAccepted>, NoContent, ProblemHttpResult, ValidationProblem>> CancelOrDeleteAsync(
        Guid id, string? purge, SdpoDbContext db, BenchmarkCanceller canceller, BenchmarkDeleter deleter, ParkedRuns parked,
        CancellationToken cancellationToken)
    {
        if (!PurgeParameter.TryRead(purge, out var purging, out var purgeProblem)) return purgeProblem!;
        var benchmark = await db.Benchmarks.AsNoTracking().Include(b => b.Problems).FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (benchmark is null) return NotFound(id);
        var followed = new BenchmarkAccepted(id, benchmark.Status, benchmark.Problems.Count, $"/benchmarks/{id}", $"/benchmarks/{id}/events");
        if (!purging)
        {
            if (benchmark.Status.IsFinished()) return TypedResults.Ok(followed);
            await canceller.CancelAsync(id, cancellationToken);
            return TypedResults.Accepted($"/benchmarks/{id}", followed);
        }
        if (!benchmark.Status.IsFinished())
        {
            return TypedResults.Problem(title: "The benchmark has not ended",
                detail: $"Benchmark {id} is {benchmark.Status.ToString().ToLowerInvariant()}; cancel it first (DELETE /benchmarks/{id}), " +
                        "then purge it once it has ended.",
                statusCode: StatusCodes.Status409Conflict);
        }
        var (outcome, unsettled) = await deleter.DeleteAsync(id, cancellationToken);
        return outcome switch
        {
            BenchmarkDeletion.Deleted => TypedResults.NoContent(),
            BenchmarkDeletion.RunsNotSettled => TypedResults.Problem(title: "The benchmark's runs have not all ended",
                detail: $"Benchmark {id} ended as {benchmark.Status.ToString().ToLowerInvariant()}, but {unsettled.Count} of its runs " +
                        $"({Listed(unsettled.Select(r => r.Id))}) have not ended. " + UnsettledAdvice(unsettled, parked),
                statusCode: StatusCodes.Status409Conflict),
            _ => NotFound(id),
        };
    }

    /// <summary>What to do about the runs that keep an ended benchmark: an interrupted one is run by no worker until the next
    /// start resumes it, so only a cancel after that start ends it; one parked for its model is cancelled now, as the others.</summary>
    private static string UnsettledAdvice(IReadOnlyList<(Guid Id, RunStatus Status)> unsettled, ParkedRuns parked)
    {
        var interrupted = unsettled.Where(r => r.Status == RunStatus.Interrupted && !parked.Contains(r.Id)).Select(r => r.Id).ToList();
        if (interrupted.Count == 0)
            return "They are still queued, running, waiting for their model or saving their outcome; cancel them (DELETE /solve/{runId}) or wait for them to end, then retry.";
        var which = interrupted.Count == unsettled.Count ? "They" : $"{interrupted.Count} of them ({Listed(interrupted)})";
        var others = interrupted.Count == unsettled.Count ? "" : " and cancel the others, still queued, running, waiting for their model or saving their outcome, or wait for them to end,";
        return $"{which} were stopped by the service's shutdown and resume when it starts again: cancel them once it is back " +
               $"(DELETE /solve/{{runId}}),{others} then retry.";
    }

    private static string Listed(IEnumerable<Guid> ids)
    {
        var list = ids.ToList();
        return string.Join(", ", list.Take(5)) + (list.Count > 5 ? ", …" : "");
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(title: "Benchmark not found", detail: $"No benchmark has id {id}.", statusCode: StatusCodes.Status404NotFound);
}
