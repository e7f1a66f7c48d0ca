using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync)
            .WithTags("Service")
            .WithName("Health")
            .WithSummary("Whether the service can take work: database reachable and taking writes, models configured")
            .WithDescription("200 with status \"healthy\", or 503 with the same report saying \"unhealthy\": the database does not answer or refuses " +
                             "the runs' writes (writes says why and since when), or no model is configured.")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> CheckAsync(
        SdpoDbContext db, IEngineProvider engines, RunQueue queue, RunControl control, RunWriter writer, CancellationToken cancellationToken)
    {
        var database = await db.Database.CanConnectAsync(cancellationToken) ? "ok" : "unreachable";
        // A database that answers reads may still refuse writes (a full disk): runs then neither save nor stream.
        var writes = writer.Failure is { } failure ? $"failing since {failure.Since:O}: {failure.Reason}" : "ok";
        var healthy = database == "ok" && writes == "ok" && engines.Models.Count > 0;
        var loaded = engines.Models.Count(m => engines.Availability(m).State == ModelState.Loaded);
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", database, writes, writer.Backlog, engines.Models.Count, loaded, queue.TotalLength, control.Count);
        return healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
