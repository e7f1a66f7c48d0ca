using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Metrics;
using Sdpo.Reports.Plots;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>What a client reads back of benchmarks: the end of their streams, every method's ratios, results with no
/// ended runs, and the list's pages.</summary>
public sealed class BenchmarkReadBackTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private static readonly Dictionary<string, string> FastCoordinator = new() { ["Benchmarks:PollMilliseconds"] = "20" };

    private static string Benchmark(string methods, int maxAttempts = 8) =>
        $$$"""{"name": "read-back", "problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}], "methods": [{{{methods}}}], "seeds": 2, "budget": {"maxAttempts": {{{maxAttempts}}}, "attemptsPerStep": 4}}""";

    [Fact]
    public async Task The_completed_event_gives_every_methods_ratios_and_names_the_method_of_the_old_fields()
    {
        // best-of-k passes at attempt 6 with seed 1 only; sdpo at 2 and self-teacher at 3, every seed.
        var engine = new FakeDiscoveryEngine
        {
            AttemptDelay = TimeSpan.FromMilliseconds(1),
            DiscoverAtFor = request => (request.Method, request.Seed) switch
            {
                (DiscoveryMethod.Sdpo, _) => 1,
                (DiscoveryMethod.SelfTeacher, _) => 2,
                (DiscoveryMethod.BestOfK, 1) => 5,
                _ => null,
            },
        };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, Benchmark("\"sdpo\", \"best-of-k\", \"self-teacher\""));
        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        var completed = capture.Frames[^1];
        Assert.Equal("completed", completed.Event);

        var results = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("results").GetProperty("attemptsRatios");
        var ratios = completed.Json.GetProperty("ratios");
        Assert.Equal(["sdpo", "self-teacher"], ratios.EnumerateObject().Select(p => p.Name));
        foreach (var expected in results.EnumerateArray())
        {
            var method = ratios.GetProperty(expected.GetProperty("method").GetString()!);
            Assert.Equal(expected.GetProperty("ratio").GetRawText(), method.GetProperty("attemptsRatio").GetRawText());
            Assert.Equal(expected.GetProperty("wallTimeRatio").GetRawText(), method.GetProperty("wallTimeRatio").GetRawText());
        }
        // Level 0.5 is reached by best-of-k at 6, by sdpo at 2 and by self-teacher at 3.
        Assert.Equal(3.0, ratios.GetProperty("sdpo").GetProperty("attemptsRatio").GetDouble());
        Assert.Equal(2.0, ratios.GetProperty("self-teacher").GetProperty("attemptsRatio").GetDouble());
        // The old fields stay, and say whose they are.
        Assert.Equal("sdpo", completed.Json.GetProperty("ratiosMethod").GetString());
        Assert.Equal(3.0, completed.Json.GetProperty("attemptsRatio").GetDouble());

        // The stream is over: a reconnect with the last id gets 204, one beyond it 400.
        using var after = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events", completed.Id);
        Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        using var beyond = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events", completed.Id + 1);
        Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
        Assert.Contains("Last-Event-ID", await beyond.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_live_benchmark_refuses_a_last_event_id_it_has_not_sent()
    {
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, Benchmark("\"sdpo\", \"best-of-k\"", maxAttempts: 64));
        using (var stream = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events"))
            await SseClient.ReadAsync(stream, frames => frames.Any(f => f.Event == "submitted"));
        using var beyond = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events", 999_999);
        Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
        Assert.Equal("application/problem+json", beyond.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);
        await BenchmarkApi.WaitForEndAsync(host.Client, id);
    }

    [Fact]
    public async Task A_method_with_no_ended_run_has_no_discovery_figures_and_no_curve_in_the_plot()
    {
        // Runs that never pass and take seconds each: cancelled before any ends.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, Benchmark("\"sdpo\", \"best-of-k\"", maxAttempts: 64));
        using (var stream = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events"))
            await SseClient.ReadAsync(stream, frames => frames.Any(f => f.Event == "submitted"));
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);
        Assert.Equal("cancelled", (await BenchmarkApi.WaitForEndAsync(host.Client, id)).Frames[^1].Event);

        var methods = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("results").GetProperty("methods");
        foreach (var method in methods.EnumerateArray())
        {
            Assert.Equal(0, method.GetProperty("runs").GetInt32());
            Assert.All(method.GetProperty("curve").EnumerateArray(), point =>
                Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null),
                    (point.GetProperty("estimate").ValueKind, point.GetProperty("lower").ValueKind, point.GetProperty("upper").ValueKind)));
        }
        var svg = await host.Client.GetStringAsync($"/benchmarks/{id}/plot.svg");
        Assert.Contains("sdpo: no completed runs", svg);
        Assert.Contains("best-of-k: no completed runs", svg);
        Assert.DoesNotContain("(n = 0)", svg);
    }

    [Fact]
    public void The_plot_keeps_the_curves_of_methods_with_ended_runs_beside_the_note_of_one_without()
    {
        var report = BenchmarkReport.Build([new BenchmarkProblem("p1")], ["sdpo", "best-of-k"],
            [new BenchmarkRunOutcome("p1", "sdpo", 1, 2, 2), new BenchmarkRunOutcome("p1", "best-of-k", 1, null, 3, Completed: false)], budget: 8);
        var svg = DiscoveryCurvePlot.RenderSvg(report);
        Assert.Contains("sdpo (n = 1)", svg);
        Assert.Contains("best-of-k: no completed runs", svg);
    }

    [Fact]
    public async Task The_list_pages_newest_first_and_names_a_bad_offset_or_limit()
    {
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 0 };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++) ids.Add(await BenchmarkApi.SubmitAsync(host.Client, Benchmark("\"best-of-k\"")));

        var first = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks?limit=2")).RootElement;
        Assert.Equal((3, 0, 2), (first.GetProperty("total").GetInt32(), first.GetProperty("offset").GetInt32(), first.GetProperty("limit").GetInt32()));
        Assert.Equal([ids[2], ids[1]], first.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetGuid()));
        var second = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks?offset=2&limit=2")).RootElement;
        Assert.Equal([ids[0]], second.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetGuid()));
        var all = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks")).RootElement;
        Assert.Equal(50, all.GetProperty("limit").GetInt32());
        Assert.Equal(3, all.GetProperty("items").GetArrayLength());

        foreach (var (query, field) in new[] { ("limit=abc", "limit"), ("limit=0", "limit"), ("limit=501", "limit"), ("offset=-3", "offset"), ("limit=abc&offset=-3", "offset") })
        {
            var response = await host.Client.GetAsync($"/benchmarks?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
    }

    [Fact]
    public async Task The_list_filters_by_status_as_benchmarks_show_it_and_names_the_statuses_for_an_unknown_one()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 0 }, FastCoordinator);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await BenchmarkApi.SubmitAsync(host.Client, Benchmark("\"best-of-k\"")));
            await BenchmarkApi.WaitForEndAsync(host.Client, ids[^1]);
        }
        // A status no flow of this engine reaches quickly, set as the coordinator would save it.
        await using (var db = Downtime.Open(_data))
            await db.Benchmarks.Where(b => b.Id == ids[1]).ExecuteUpdateAsync(b => b.SetProperty(x => x.Status, BenchmarkStatus.Cancelled));

        var completed = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks?status=completed&limit=1")).RootElement;
        Assert.Equal(2, completed.GetProperty("total").GetInt32());
        Assert.Equal([ids[2]], completed.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetGuid()));
        var cancelled = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks?status=cancelled")).RootElement;
        Assert.Equal([ids[1]], cancelled.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetGuid()));
        Assert.Equal("cancelled", cancelled.GetProperty("items")[0].GetProperty("status").GetString());
        var running = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks?status=running")).RootElement;
        Assert.Equal(0, running.GetProperty("total").GetInt32());

        foreach (var status in new[] { "Completed", "COMPLETED", "3", "done" })
        {
            var response = await host.Client.GetAsync($"/benchmarks?status={status}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.Equal($"status must be one of queued, screening, running, completed, failed, cancelled; got '{status}'.",
                errors.GetProperty("status")[0].GetString());
        }
    }
}
