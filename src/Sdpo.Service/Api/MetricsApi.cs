using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Sdpo.Service.Execution;
using Sdpo.Service.Metrics;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>GET /metrics in the Prometheus text format (version 0.0.4).</summary>
public static class MetricsApi
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", RenderAsync)
            .WithTags("Service")
            .WithName("Metrics")
            .WithSummary("Prometheus metrics: runs by state, attempts/s, tokens/s, queue length, step latency")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return app;
    }

    private static async Task<ContentHttpResult> RenderAsync(
        SdpoDbContext db, ServiceMetrics metrics, RunQueue queue, RunEventHub hub, CancellationToken cancellationToken)
    {
        var byState = await db.Runs.GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var text = new StringBuilder();

        Header(text, "sdpo_runs", "gauge", "Runs by state.");
        foreach (var status in Enum.GetValues<RunStatus>())
            Sample(text, "sdpo_runs", byState.FirstOrDefault(s => s.Status == status)?.Count ?? 0, ("state", status.ToString().ToLowerInvariant()));

        Header(text, "sdpo_runs_submitted_total", "counter", "Runs accepted since start.");
        Sample(text, "sdpo_runs_submitted_total", metrics.Submitted);
        Header(text, "sdpo_runs_rejected_total", "counter", "Submissions refused with 429 since start.");
        Sample(text, "sdpo_runs_rejected_total", metrics.Rejected);

        Header(text, "sdpo_attempts_total", "counter", "Attempts sampled and verified since start.");
        Sample(text, "sdpo_attempts_total", metrics.Attempts);
        Header(text, "sdpo_attempts_per_second", "gauge", "Attempts per second over the last minute.");
        Sample(text, "sdpo_attempts_per_second", metrics.AttemptRate.PerSecond());
        Header(text, "sdpo_tokens_total", "counter", "Attempt tokens generated since start.");
        Sample(text, "sdpo_tokens_total", metrics.Tokens);
        Header(text, "sdpo_tokens_per_second", "gauge", "Attempt tokens per second over the last minute.");
        Sample(text, "sdpo_tokens_per_second", metrics.TokenRate.PerSecond());

        Header(text, "sdpo_queue_length", "gauge", "Runs waiting for a worker, by device.");
        foreach (var device in queue.Devices.Order(StringComparer.Ordinal))
            Sample(text, "sdpo_queue_length", queue.Length(device), ("device", device));

        Header(text, "sdpo_event_subscribers", "gauge", "Open live event streams.");
        Sample(text, "sdpo_event_subscribers", hub.SubscriberCount);

        var (cumulative, count, sum) = metrics.StepLatency();
        Header(text, "sdpo_step_latency_seconds", "histogram", "Wall time of one discovery step (sampling, verifying, teacher, update).");
        for (var i = 0; i < ServiceMetrics.StepLatencyBuckets.Length; i++)
            Sample(text, "sdpo_step_latency_seconds_bucket", cumulative[i], ("le", Number(ServiceMetrics.StepLatencyBuckets[i])));
        Sample(text, "sdpo_step_latency_seconds_bucket", count, ("le", "+Inf"));
        Sample(text, "sdpo_step_latency_seconds_sum", sum);
        Sample(text, "sdpo_step_latency_seconds_count", count);

        return TypedResults.Text(text.ToString(), ContentType);
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, double value, params (string Name, string Value)[] labels)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            text.AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));
            text.Append('}');
        }
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
