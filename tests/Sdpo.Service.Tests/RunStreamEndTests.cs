using System.Net;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>How a client of a run's event stream knows it is over, and what it gets for an id never sent.</summary>
public sealed class RunStreamEndTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private const string Compared = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "sdpo", "compareWith": ["best-of-k"], "budget": {"maxAttempts": 16, "attemptsPerStep": 4}, "seed": 1}""";

    [Fact]
    public async Task A_run_with_comparisons_ends_with_one_ended_event_after_every_method_and_a_reconnect_after_it_gets_204()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = m => m == Sdpo.Engine.Discovery.DiscoveryMethod.Sdpo ? 3 : null });
        var id = await ServiceApi.SubmitAsync(host.Client, Compared);
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);

        var ended = Assert.Single(capture.Frames, f => f.Event == "ended");
        Assert.Same(ended, capture.Frames[^1]);
        // Both methods' own final events come first, the primary's in the middle of the stream.
        Assert.Equal(["discovered", "exhausted"], capture.Frames.Where(f => f.Event is "discovered" or "exhausted").Select(f => f.Event));
        Assert.Equal("ended", ended.Json.GetProperty("type").GetString());
        Assert.Equal("discovered", ended.Json.GetProperty("status").GetString());
        Assert.Equal([("sdpo", "discovered"), ("best-of-k", "exhausted")],
            ended.Json.GetProperty("methods").EnumerateArray().Select(m => (m.GetProperty("method").GetString(), m.GetProperty("status").GetString())));
        var run = await ServiceApi.GetRunAsync(host.Client, id);
        Assert.Equal(capture.Frames.Count, run.GetProperty("events").GetInt64());

        // A reconnect with the last id: nothing remains, and 204 tells an EventSource to stop.
        using var after = await SseClient.OpenAsync(host.Client, $"/solve/{id}/events", ended.Id);
        Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        // One before it still gets the ended event.
        var rest = await ServiceApi.WaitForEndAsync(host.Client, id, ended.Id - 1);
        Assert.Equal([("ended", ended.Id)], rest.Frames.Select(f => (f.Event, f.Id)));
    }

    [Fact]
    public async Task A_last_event_id_beyond_the_runs_last_event_is_refused_on_a_live_run_and_an_ended_one()
    {
        // Never passes and takes seconds: live for the whole test.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(20) };
        await using var host = new ServiceHost(_data, engine);
        var live = await ServiceApi.SubmitAsync(host.Client, ServiceApi.MinimalRequest.Replace("\"maxAttempts\": 64", "\"maxAttempts\": 100000"));
        using (var stream = await SseClient.OpenAsync(host.Client, $"/solve/{live}/events"))
            await SseClient.ReadAsync(stream, frames => frames.Count >= 3);

        var beyond = await SseClient.OpenAsync(host.Client, $"/solve/{live}/events", 999_999);
        Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
        Assert.Equal("application/problem+json", beyond.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await beyond.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("beyond", problem.GetProperty("errors").GetProperty("Last-Event-ID")[0].GetString());

        // An id already sent still resumes.
        using (var resumed = await SseClient.OpenAsync(host.Client, $"/solve/{live}/events", 2))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            Assert.Equal(3, (await SseClient.ReadAsync(resumed, frames => frames.Count >= 1)).Frames[0].Id);
        }
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{live}")).StatusCode);
        var last = (await ServiceApi.WaitForEndAsync(host.Client, live)).Frames[^1].Id;
        Assert.Equal(HttpStatusCode.BadRequest, (await SseClient.OpenAsync(host.Client, $"/solve/{live}/events", last + 1)).StatusCode);
    }
}
