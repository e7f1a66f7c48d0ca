using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Lora;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>POST /solve and the endpoints that follow one run.</summary>
public static class SolveApi
{
    public const int MaxPageSize = Paging.MaxPageSize;
    public const int DefaultPageSize = Paging.DefaultPageSize;

    public static IEndpointRouteBuilder MapSolveApi(this IEndpointRouteBuilder app)
    {
        var solve = app.MapGroup("/solve").WithTags("Solve");
        solve.MapGet("/", ListAsync)
            .WithName("Runs")
            .WithSummary("Every run, newest first, one page at a time (status=discovered and the like to filter)")
            .WithPaging("runs")
            .WithStatusFilter<RunStatus>("runs")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        solve.MapGet("/{id:guid}", GetAsync)
            .WithName("GetRun")
            .WithSummary("A run's status, counts, passing attempt, timings, configuration and comparison results")
            .ProducesProblem(StatusCodes.Status404NotFound);

        solve.MapPost("/", SubmitAsync)
            .WithName("Solve")
            .WithSummary("Submit a problem to discover a passing answer for")
            .WithDescription("Answers 202 with the run's id, its URL and its events URL. With `Accept: text/event-stream` the " +
                             "run's events are streamed in the same response instead (the same stream as GET /solve/{id}/events), with the run's URL " +
                             "in the Location header.")
            .Accepts<SolveRequest>("application/json")
            .WithEventStream(DocumentedEventStream.Run)
            .Produces<BodyTooLargeProblem>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithLocation("The run's URL; its events are at {Location}/events.", StatusCodes.Status202Accepted, StatusCodes.Status200OK)
            .WithRetryAfter(StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable);

        solve.MapGet("/{id:guid}/events", Events)
            .WithName("RunEvents")
            .WithEventStream(DocumentedEventStream.Run)
            .WithLastEventId()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The run's events as server-sent events (attempt, step, discovered, exhausted, cancelled, failed, then ended)")
            .WithDescription("Each event has an `id:` line; reconnecting with `Last-Event-ID` replays exactly the events after it, " +
                             "then live ones. An idle stream gets a keep-alive comment. Once every method has ended, the run's last event is " +
                             "`ended`, with the run's status. A finished run replays everything and closes; a reconnect to an ended run with " +
                             "nothing after `Last-Event-ID` is answered 204, which tells an EventSource to stop, and a `Last-Event-ID` beyond the " +
                             "run's last event 400. A stream the service's shutdown ends gets a last `interrupted` event without an id; the run " +
                             "resumes at the next start.");

        solve.MapGet("/{id:guid}/attempts", AttemptsAsync)
            .WithName("RunAttempts")
            .WithPaging("attempts")
            .WithEnumQuery("method", "One of the run's methods (its primary or a comparison); the primary when left out.", Enum.GetValues<DiscoveryMethod>().Select(DiscoveryMethodNames.ToWire).ToList(), typeof(DiscoveryMethod))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A page of the run's attempts in index order: the primary method's, or those of the run's method named by method=");

        solve.MapDelete("/{id:guid}", CancelOrDeleteAsync)
            .WithName("CancelRun")
            .WithPurge("run")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithLocation("The run's URL.", StatusCodes.Status202Accepted)
            .WithSummary("Cancel a queued or running run (202); with purge=true, delete an ended one, its records and its folder (204)")
            .WithDescription("Cancelling is idempotent: a cancel that finds the run ended (it met the run's own end, or it is a retry) " +
                             "deletes nothing and answers 200 with the run's final status. purge=true on a run not ended yet: 409; cancel it first. " +
                             "A run of a benchmark is deleted with its benchmark (DELETE /benchmarks/{id}?purge=true), not alone: 409. " +
                             "A cancel of a run that has ended but whose outcome is still being saved waits for it (5 s at most) and answers " +
                             "200 with it, and a purge of such a run waits the same way; 409 when it takes longer (the database refusing writes): retry in a moment. An `interrupted` run " +
                             "seen while the service stops gets 409 too (it resumes at the next start): cancel it once the service is back, then purge it. " +
                             "A run waiting for a model that is not configured (its failureReason says so) is cancelled like a queued one: " +
                             "it ends `cancelled` before the 202, and is never resumed. " +
                             "A deleted run's URLs answer 404.");

        solve.MapGet("/{id:guid}/adapter", AdapterAsync)
            .WithName("RunAdapter")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The run's LoRA adapter in PEFT layout, zipped: its SDPO method's (primary or comparison), once that has ended")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip");

        return app;
    }

    private static async Task<Results<Accepted<SolveAccepted>, ServerSentEventStream, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        HttpContext http, SolveRequestReader reader, RunSubmitter submitter, RunEventStream stream, Sdpo.Verifiers.Sandbox.PythonSandbox python,
        IOptions<ServiceOptions> options, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        SolveSubmission submission;
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
        if (await PythonVerifierGate.RefusalAsync(PythonVerifierGate.UsesPython(submission.Problem.Verifier), python) is { } refused) return refused;

        var id = await submitter.TrySubmitAsync(submission, cancellationToken);
        if (id is null)
        {
            http.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString();
            return TypedResults.Problem(
                title: "The queue is full",
                detail: $"The queue of device '{submission.Model.Device}' holds {options.Value.QueueCapacity} runs; retry later.",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        var accepted = new SolveAccepted(id.Value, RunStatus.Queued, $"/solve/{id}", $"/solve/{id}/events");
        if (AcceptsEventStream(http.Request))
        {
            // The run's URL, as the 202 gives it: a client whose stream drops resumes at {Location}/events with Last-Event-ID.
            http.Response.Headers.Location = accepted.Url;
            return new ServerSentEventStream(stream.ReadAsync(id.Value, 0, CancellationToken.None), KeepAlive(options), lifetime.ApplicationStopping);
        }
        return TypedResults.Accepted(accepted.Url, accepted);
    }

    private static async Task<Results<Ok<RunDetails>, ProblemHttpResult>> GetAsync(
        Guid id, SdpoDbContext db, RunControl control, RunQueue queue, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().Include(r => r.Methods).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (run is null) return RunProblems.RunNotFound(id);

        var attempts = await db.Attempts.AsNoTracking().Where(a => a.RunId == id)
            .GroupBy(a => a.Method)
            .Select(g => new { Method = g.Key, Count = g.Count(), Tokens = g.Sum(a => (long)a.TokenCount) })
            .ToListAsync(cancellationToken);
        var firstPasses = await db.Attempts.AsNoTracking().Where(a => a.RunId == id && a.Passed)
            .GroupBy(a => a.Method)
            .Select(g => g.OrderBy(a => a.Index).First())
            .ToListAsync(cancellationToken);
        var steps = await db.Steps.CountAsync(s => s.RunId == id && s.Method == run.Method, cancellationToken);
        var events = await db.Events.LongCountAsync(e => e.RunId == id, cancellationToken);

        var methods = run.Methods.OrderBy(m => m.Order).Select(m =>
        {
            var count = attempts.FirstOrDefault(a => a.Method == m.Method);
            var pass = firstPasses.FirstOrDefault(a => a.Method == m.Method);
            return new MethodResult(
                m.Method, m.Order == 0 ? "primary" : "comparison", m.Status,
                Math.Max(m.Attempts, count?.Count ?? 0), Math.Max(m.Tokens, count?.Tokens ?? 0),
                m.AttemptsToDiscovery ?? (pass is null ? null : pass.Index + 1), m.FailureReason,
                m.StartedAt, m.FinishedAt, ExecutionTime.Milliseconds(m), pass is null ? null : AttemptView.From(pass));
        }).ToList();
        var primary = methods[0];
        var configuration = JsonSerializer.Deserialize<SolveRequest>(run.RequestJson, ServiceJson.Options)!;

        return TypedResults.Ok(new RunDetails(
            run.Id, run.Status, run.Method, run.Model, run.Device, run.Seed,
            primary.Attempts, primary.Tokens, steps, events, primary.AttemptsToDiscovery, primary.PassingAttempt,
            run.FailureReason, run.Status.IsFinished() || !control.TryGet(id, out var handle) ? null : handle.WaitReason,
            run.Status.IsFinished() ? null : queue.Position(id),
            run.CreatedAt, run.StartedAt, run.FinishedAt,
            Milliseconds(run.CreatedAt, run.StartedAt), ExecutionTime.Milliseconds(run), run.Executions,
            configuration, methods, $"/solve/{id}/events", $"/solve/{id}/attempts"));
    }

    private static async Task<Results<Ok<RunPage>, ValidationProblem>> ListAsync(
        string? status, string? offset, string? limit, SdpoDbContext db, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(offset, limit, out var skip, out var take, out var pageProblem)) return pageProblem!;
        if (!StatusFilter.TryRead<RunStatus>(status, out var filter, out var statusProblem)) return statusProblem!;
        var query = db.Runs.AsNoTracking();
        if (filter is { } only) query = query.Where(r => r.Status == only);

        var total = await query.CountAsync(cancellationToken);
        // Ids are version-7 GUIDs, stored as text that sorts by creation time; SQLite cannot order by DateTimeOffset.
        var rows = await query.OrderByDescending(r => r.Id).Skip(skip).Take(take)
            .Select(r => new
            {
                r.Id, r.Status, r.Method, r.Model, r.Seed, r.CreatedAt, r.FinishedAt,
                Attempts = db.Attempts.Count(a => a.RunId == r.Id && a.Method == r.Method),
                Primary = r.Methods.Where(m => m.Order == 0).Select(m => new { m.Attempts, m.AttemptsToDiscovery }).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        var items = rows.Select(r => new RunSummary(
            r.Id, r.Status, r.Method, r.Model, r.Seed, Math.Max(r.Attempts, r.Primary?.Attempts ?? 0), r.Primary?.AttemptsToDiscovery,
            r.CreatedAt, r.FinishedAt, $"/solve/{r.Id}")).ToList();
        return TypedResults.Ok(new RunPage(total, skip, take, items));
    }

    private static async Task<Results<ServerSentEventStream, NoContent, ProblemHttpResult, ValidationProblem>> Events(
        Guid id, HttpRequest request, SdpoDbContext db, RunEventStream stream, IOptions<ServiceOptions> options,
        IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        long after = 0;
        var lastEventId = request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0 && (!long.TryParse(lastEventId, out after) || after < 0))
            return RunProblems.Field("Last-Event-ID", $"Last-Event-ID must be a non-negative event id, not '{lastEventId}'.");
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.Status }).FirstOrDefaultAsync(cancellationToken);
        if (run is null) return RunProblems.RunNotFound(id);
        // Read after the status: a run seen ended has every event saved, and an id a client holds was saved before it got it,
        // so one above the last saved id was never handed out (it would skip every later event, the end included).
        var lastSaved = await db.Events.Where(e => e.RunId == id).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        if (after > lastSaved)
            return RunProblems.Field("Last-Event-ID", $"Last-Event-ID {after} is beyond run {id}'s last event, {lastSaved}; no such event was sent.");
        // 204 tells an EventSource to stop reconnecting: an empty 200 would have it reconnect for ever.
        if (run.Status.IsFinished() && after == lastSaved) return TypedResults.NoContent();
        return new ServerSentEventStream(stream.ReadAsync(id, after, CancellationToken.None), KeepAlive(options), lifetime.ApplicationStopping);
    }

    private static async Task<Results<Ok<AttemptPage>, ProblemHttpResult, ValidationProblem>> AttemptsAsync(
        Guid id, string? method, string? offset, string? limit, SdpoDbContext db, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(offset, limit, out var skip, out var take, out var pageProblem)) return pageProblem!;
        var run = await db.Runs.AsNoTracking().Include(r => r.Methods).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (run is null) return RunProblems.RunNotFound(id);
        var selected = method ?? run.Method;
        if (!DiscoveryMethodNames.TryParse(selected, out _))
            return RunProblems.Field("method", $"Unknown method '{selected}'; methods are {DiscoveryMethodNames.All}.");
        // A method the run does not have would read as one with no attempts yet.
        if (run.Methods.All(m => m.Method != selected))
        {
            var runMethods = string.Join(", ", run.Methods.OrderBy(m => m.Order).Select(m => m.Method));
            return RunProblems.Field("method", $"Run {id} has no method '{selected}'; its methods are {runMethods}.");
        }

        var query = db.Attempts.AsNoTracking().Where(a => a.RunId == id && a.Method == selected);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(a => a.Index).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AttemptPage(total, skip, take, items.Select(AttemptView.From).ToList()));
    }

    /// <summary>
    /// Without purge, a cancel. A queued or running run is cancelled: the cancel is saved before it is answered, so a restart
    /// ends the run cancelled rather than resuming it. A run no worker has taken yet leaves its queue and ends cancelled before
    /// the answer; a running one stops at the engine's next check. A run that has ended is left as it is, and its outcome
    /// answered: a cancel racing the run's end, or a retried one, must not destroy what it meant to stop. A run parked at
    /// start because its model is not configured is cancelled like a queued one: ended before the answer, never resumed.
    /// With purge=true an ended run is deleted, rows and folder, unless a benchmark holds it.
    /// </summary>
    private static async Task<Results<Accepted<SolveAccepted>, Ok<SolveAccepted>, NoContent, ProblemHttpResult, ValidationProblem>> CancelOrDeleteAsync(
        Guid id, string? purge, SdpoDbContext db, RunCanceller canceller, RunDeleter deleter, RunWriter writer, CancellationToken cancellationToken)
    {
        if (!PurgeParameter.TryRead(purge, out var purging, out var purgeProblem)) return purgeProblem!;
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (run is null) return RunProblems.RunNotFound(id);
        // Queued, running, or parked at start for a model that is not configured (ended by the cancel, as a queued one is).
        var active = !run.Status.IsFinished() && canceller.IsCancellable(id);
        if (!purging) return await CancelAsync(id, run.Status, active, db, canceller, writer, cancellationToken);
        if (active)
        {
            return TypedResults.Problem(
                title: "The run has not ended",
                detail: $"Run {id} is {Name(run.Status)}; cancel it first (DELETE /solve/{id}), then purge it once it has ended.",
                statusCode: StatusCodes.Status409Conflict);
        }
        var deletion = await deleter.DeleteAsync(id, cancellationToken);
        // Ended, with its end still in the writer's queue: wait for that save, as a cancel does, rather than have the client retry.
        if (deletion == RunDeletion.NotSettled && await EndSavedAsync(writer, cancellationToken))
            deletion = await deleter.DeleteAsync(id, cancellationToken);
        switch (deletion)
        {
            case RunDeletion.Deleted:
                return TypedResults.NoContent();
            case RunDeletion.NotFound:
                return RunProblems.RunNotFound(id);
            case RunDeletion.InBenchmark:
                var benchmark = await db.BenchmarkRuns.AsNoTracking().Where(r => r.RunId == id).Select(r => (Guid?)r.BenchmarkId)
                    .FirstOrDefaultAsync(cancellationToken);
                // Its benchmark was deleted, with the run, since the deleter looked.
                if (benchmark is null) return RunProblems.RunNotFound(id);
                return TypedResults.Problem(
                    title: "The run belongs to a benchmark",
                    detail: $"Run {id} is one of benchmark {benchmark}'s runs, whose results count it; delete the benchmark " +
                            $"(DELETE /benchmarks/{benchmark}?purge=true, once it has ended) to delete it with its runs.",
                    statusCode: StatusCodes.Status409Conflict);
            case RunDeletion.Interrupted:
                return Interrupted(id);
            default:
                return StillEnding(id);
        }
    }

    /// <summary>DELETE without purge: 202 for a run it cancels, 200 with the outcome for one already ended.</summary>
    private static async Task<Results<Accepted<SolveAccepted>, Ok<SolveAccepted>, NoContent, ProblemHttpResult, ValidationProblem>> CancelAsync(
        Guid id, RunStatus status, bool active, SdpoDbContext db, RunCanceller canceller, RunWriter writer, CancellationToken cancellationToken)
    {
        if (active)
        {
            status = (await canceller.CancelAsync([id], cancellationToken)).Count > 0 ? RunStatus.Cancelled : await StatusAfterCancelAsync(db, id, cancellationToken);
            return TypedResults.Accepted($"/solve/{id}", Followed(id, status));
        }
        if (status.IsFinished()) return TypedResults.Ok(Followed(id, status));
        if (status == RunStatus.Interrupted) return Interrupted(id);
        // Its worker has let it go, so its end is in the writer's queue: a cancel that met the run's end waits for that
        // save and answers the outcome, as for any ended run, rather than have the client retry.
        if (!await EndSavedAsync(writer, cancellationToken)) return StillEnding(id);
        var saved = await db.Runs.AsNoTracking().Where(r => r.Id == id).Select(r => (RunStatus?)r.Status).FirstOrDefaultAsync(cancellationToken);
        return saved switch
        {
            null => RunProblems.RunNotFound(id), // deleted meanwhile
            { } ended when ended.IsFinished() => TypedResults.Ok(Followed(id, ended)),
            RunStatus.Interrupted => Interrupted(id), // the service is stopping
            _ => StillEnding(id),
        };
    }

    /// <summary>How long a cancel waits for the end of a run whose worker has let it go to be saved; the database may be
    /// refusing writes (they are retried), and the client then gets the 409 to retry.</summary>
    private static readonly TimeSpan EndSaveWait = TimeSpan.FromSeconds(5);

    /// <summary>Whether what the run's worker enqueued before leaving <see cref="RunControl"/> (its end) was saved within
    /// <see cref="EndSaveWait"/>: the writer saves in order, so a flush asked for now completes after it.</summary>
    private static async Task<bool> EndSavedAsync(RunWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await writer.FlushAsync().WaitAsync(EndSaveWait, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The writer gave up at shutdown with the database still refusing writes.
            return false;
        }
    }

    private static SolveAccepted Followed(Guid id, RunStatus status) => new(id, status, $"/solve/{id}", $"/solve/{id}/events");

    private static ProblemHttpResult Interrupted(Guid id) =>
        // Seen while the service stops: nothing in this process runs it again, but the next start resumes it.
        TypedResults.Problem(
            title: "The run was interrupted",
            detail: $"Run {id} was stopped by the service's shutdown and resumes when the service starts again; it has not ended, " +
                    $"so it can be neither cancelled nor deleted now. To have it gone, cancel it once the service is back (DELETE /solve/{id}), " +
                    $"then delete it when it has ended (DELETE /solve/{id}?purge=true).",
            statusCode: StatusCodes.Status409Conflict);

    private static ProblemHttpResult StillEnding(Guid id) =>
        // Ended, yet its end is not saved yet (its writer may still touch its rows): a retry finds its outcome.
        TypedResults.Problem(
            title: "The run is still ending",
            detail: $"Run {id} has ended and its outcome is still being saved; retry in a moment.",
            statusCode: StatusCodes.Status409Conflict);

    private static string Name(RunStatus status) => JsonSerializer.SerializeToElement(status, ServiceJson.Options).GetString()!;

    /// <summary>
    /// The status of a run the cancel could not take from its queue: a worker has it, and it stops at the engine's next
    /// check. Read after the cancel, as it may have ended meanwhile; a row that still says queued (or interrupted) is one
    /// whose running status is not saved yet, and the run is running.
    /// </summary>
    private static async Task<RunStatus> StatusAfterCancelAsync(SdpoDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var status = await db.Runs.AsNoTracking().Where(r => r.Id == id).Select(r => (RunStatus?)r.Status).FirstOrDefaultAsync(cancellationToken);
        return status is { } saved && saved.IsFinished() ? saved : RunStatus.Running;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> AdapterAsync(
        Guid id, SdpoDbContext db, DataPaths paths, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().Include(r => r.Methods).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (run is null) return RunProblems.RunNotFound(id);
        // The primary method's adapter, else a comparison's: a best-of-k run compared with SDPO has the SDPO one. The engine
        // renames a complete adapter into place; a folder short of a file (torn by a crash before it did so) is not served.
        var adapter = run.Methods.OrderBy(m => m.Order)
            .Select(m => paths.AdapterDirectory(id, m.Method, primary: m.Order == 0))
            .FirstOrDefault(folder => AdapterFiles.All(file => File.Exists(Path.Combine(folder, file))));
        if (adapter is null) return NoAdapter(run);
        using var zip = new MemoryStream();
        try
        {
            // Exactly the PEFT files, whatever else the folder may hold.
            using var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var file in AdapterFiles)
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(adapter, file), cancellationToken);
                using var entry = archive.CreateEntry(file, CompressionLevel.Fastest).Open();
                entry.Write(bytes);
            }
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            // The run was deleted while its adapter was being read, or the adapter replaced (for that instant it is absent).
            return await db.Runs.AnyAsync(r => r.Id == id, cancellationToken) ? NoAdapter(run) : RunProblems.RunNotFound(id);
        }
        return TypedResults.File(zip.ToArray(), "application/zip", $"adapter-{id}.zip");
    }

    private static readonly string[] AdapterFiles = [PeftAdapterFormat.ConfigFileName, PeftAdapterFormat.WeightsFileName];

    /// <summary>The 404 for a run without a complete adapter, saying why for this run: it has no SDPO method, its SDPO method
    /// has not ended yet, or it ended without a complete adapter (an export cut short by a crash, or an end before the
    /// adapter existed, as a failure at its start).</summary>
    private static ProblemHttpResult NoAdapter(RunEntity run)
    {
        var sdpo = run.Methods.FirstOrDefault(m => m.Method == DiscoveryMethod.Sdpo.ToWire());
        var detail = sdpo switch
        {
            null => $"Run {run.Id} has no adapter: only SDPO trains one (as the run's method or a comparison), and the engine writes it when SDPO's part of the run ends.",
            { Status: var status } when !status.IsFinished() =>
                $"Run {run.Id}'s adapter is not written yet: its SDPO method is {Name(status)}, and the engine writes the adapter when that method ends.",
            { Status: var status } =>
                $"Run {run.Id} has no complete adapter: its SDPO method ended {Name(status)}, but its adapter folder is missing or incomplete " +
                "(an export cut short by a crash, or a method that ended before it trained one, as a failure at its start).",
        };
        return TypedResults.Problem(title: "No adapter", detail: detail, statusCode: StatusCodes.Status404NotFound);
    }

    private static bool AcceptsEventStream(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value.Contains(ServerSentEventStream.MediaType, StringComparison.OrdinalIgnoreCase));

    private static TimeSpan KeepAlive(IOptions<ServiceOptions> options) => TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);

    private static double? Milliseconds(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } a && to is { } b ? (b - a).TotalMilliseconds : null;
}
