using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;
using Sdpo.Verifiers.Sandbox;

namespace Sdpo.Service.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync)
            .WithTags("Service")
            .WithName("Health")
            .WithSummary("Whether the service can take work: database reachable and taking writes, a model usable, Python verifications possible")
            .WithDescription("200 with status \"healthy\", or 503 with the same report saying \"unhealthy\": the database does not answer or refuses " +
                             "the runs' writes (writes says why and since when), no model is configured, or every configured model failed to load " +
                             "(GET /models says why; a failed load is tried again by the next request, this one included, once Service:ModelRetrySeconds have passed). " +
                             "200 with status \"degraded\" when it is otherwise healthy but Python verifications cannot run here (pythonVerifiers says why): " +
                             "python and p3 problems are refused with 503, other problems are served.")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> CheckAsync(
        SdpoDbContext db, IEngineProvider engines, RunQueue queue, RunExecutor executor, RunWriter writer, PythonSandbox python,
        CancellationToken cancellationToken)
    {
        var database = await db.Database.CanConnectAsync(cancellationToken) ? "ok" : "unreachable";
        // A database that answers reads may still refuse writes (a full disk): runs then neither save nor stream.
        var writes = writer.Failure is { } failure ? $"failing since {failure.Since:O}: {failure.Reason}" : "ok";
        // A failed model is tried again here too once its retry interval has passed: a load balancer that stops sending
        // work to an unhealthy service would otherwise never let a repaired model folder be loaded.
        // The report reads the states before those retries: a model retried now counts as failed either way.
        var availability = engines.Models.Select(engines.Availability).ToList();
        for (int i = 0; i < availability.Count; i++)
            if (availability[i].State == ModelState.Failed) TryStartLoading(engines, engines.Models[i]);
        var loaded = availability.Count(a => a.State == ModelState.Loaded);
        // A model loading again after a failure counts as failed until the load succeeds, or the service would
        // report itself healthy on every check that happens to start a retry.
        var failed = availability.Count(a => a.State == ModelState.Failed || a.Retrying);
        // Every model failed: each submission would get 503, so a load balancer should not send any.
        var healthy = database == "ok" && writes == "ok" && availability.Count > failed;
        // Tested once per process (at start, in the background): python3 that cannot be started, or a required sandbox
        // missing, refuses every python and p3 submission. Other problems are served, so the service is degraded, not
        // unhealthy: a balancer that stopped sending it work would stop arithmetic and webhook runs too.
        var pythonProblem = await python.UnavailableReasonAsync().WaitAsync(cancellationToken);
        var pythonVerifiers = pythonProblem is null ? "available" : $"unavailable: {pythonProblem}";
        var status = !healthy ? "unhealthy" : pythonProblem is null ? "healthy" : "degraded";
        var report = new HealthReport(status, database, writes, writer.Backlog, availability.Count, loaded, failed, queue.TotalLength, executor.Executing,
            pythonVerifiers);
        return healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static void TryStartLoading(IEngineProvider engines, ModelInfo model)
    {
        try
        {
            engines.StartLoading(model);
        }
        catch (ModelUnavailableException)
        {
            // The service is stopping; the report says the model failed.
        }
    }
}
