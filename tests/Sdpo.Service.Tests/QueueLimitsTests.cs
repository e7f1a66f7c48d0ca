using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>What operators and clients see of a busy device: the budget cap, queue positions and /health's counts.</summary>
public sealed class QueueLimitsTests : IDisposable
{
    private const string LongRun = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""";
    private const string Queued = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "budget": {"maxAttempts": 64}}""";

    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task MaxAttemptsPerRun_caps_the_budget_of_a_run_and_of_a_benchmark()
    {
        var settings = new Dictionary<string, string> { ["Service:MaxAttemptsPerRun"] = "100" };
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine(), settings);

        var over = await host.Client.PostAsync("/solve", ServiceApi.Json(LongRun.Replace("10000", "101")));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        var message = (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("budget.maxAttempts")[0].GetString();
        Assert.Contains("at most 100", message);
        Assert.Contains("Service:MaxAttemptsPerRun", message);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsync("/solve", ServiceApi.Json(LongRun.Replace("10000", "100")))).StatusCode);

        var benchmark = $$"""{"problems": [{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}], "methods": ["best-of-k"], "seeds": 1, "budget": {"maxAttempts": 101} }""";
        var refused = await host.Client.PostAsync("/benchmarks", ServiceApi.Json(benchmark));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("budget.maxAttempts", out _));
        var screening = benchmark.Replace("101", "64").Replace("\"seeds\": 1", "\"seeds\": 1, \"selectHard\": {\"samples\": 200}");
        var tooManySamples = await host.Client.PostAsync("/benchmarks", ServiceApi.Json(screening));
        Assert.Equal(HttpStatusCode.BadRequest, tooManySamples.StatusCode);
        Assert.True((await tooManySamples.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("selectHard.samples", out _));
    }

    [Fact]
    public async Task A_cap_below_the_default_budget_says_the_refused_number_is_the_default()
    {
        var settings = new Dictionary<string, string> { ["Service:MaxAttemptsPerRun"] = "10" };
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine(), settings);
        var refused = await host.Client.PostAsync("/solve", ServiceApi.Json("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("budget.maxAttempts")[0].GetString();
        Assert.Contains("got 64, the default when the request does not set it", message);
    }

    [Fact]
    public async Task A_queued_run_shows_its_place_in_the_queue_and_health_counts_only_executing_runs_as_active()
    {
        var settings = new Dictionary<string, string> { ["Service:RunsPerDevice"] = "1" };
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using var host = new ServiceHost(_data, engine, settings);
        var running = await ServiceApi.SubmitAsync(host.Client, LongRun);
        await ServiceApi.PollAsync(host.Client, running, r => r.GetProperty("status").GetString() == "running");
        var waiting = new List<Guid>();
        for (int i = 0; i < 3; i++) waiting.Add(await ServiceApi.SubmitAsync(host.Client, Queued));

        Assert.Equal(JsonValueKind.Null, (await ServiceApi.GetRunAsync(host.Client, running)).GetProperty("queuePosition").ValueKind);
        Assert.Equal([1, 2, 3], await PositionsAsync(host.Client, waiting));
        var health = await host.Client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal((3, 1), (health.GetProperty("queuedRuns").GetInt32(), health.GetProperty("activeRuns").GetInt32()));

        // The first leaves the queue: the others move up.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{waiting[0]}")).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await ServiceApi.GetRunAsync(host.Client, waiting[0])).GetProperty("queuePosition").ValueKind);
        Assert.Equal([1, 2], await PositionsAsync(host.Client, waiting.Skip(1)));

        // The running one ends: the next is taken by the worker and leaves the queue.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{running}")).StatusCode);
        await ServiceApi.PollAsync(host.Client, waiting[1], r => r.GetProperty("status").GetString() == "running");
        Assert.Equal(JsonValueKind.Null, (await ServiceApi.GetRunAsync(host.Client, waiting[1])).GetProperty("queuePosition").ValueKind);
        Assert.Equal([1], await PositionsAsync(host.Client, waiting.Skip(2)));
        health = await host.Client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal((1, 1), (health.GetProperty("queuedRuns").GetInt32(), health.GetProperty("activeRuns").GetInt32()));
    }

    private static async Task<List<int>> PositionsAsync(HttpClient client, IEnumerable<Guid> ids)
    {
        var positions = new List<int>();
        foreach (var id in ids) positions.Add((await ServiceApi.GetRunAsync(client, id)).GetProperty("queuePosition").GetInt32());
        return positions;
    }
}
