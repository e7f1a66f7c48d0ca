using System.Text.Json;
using System.Net.Http.Json;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class SolveFlowTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Minimal_request_is_accepted_streams_attempts_and_records_the_discovery()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 10 });
        var response = await host.Client.PostAsync("/solve", ServiceApi.Json(ServiceApi.MinimalRequest));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal($"/solve/{id}", accepted.GetProperty("url").GetString());
        Assert.Equal($"/solve/{id}/events", accepted.GetProperty("eventsUrl").GetString());
        Assert.Equal($"/solve/{id}", response.Headers.Location?.OriginalString);

        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);
        Assert.True(capture.Ended);
        var attempts = capture.Frames.Where(f => f.Event == "attempt").ToList();
        Assert.Equal(Enumerable.Range(0, 11), attempts.Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Single(capture.Frames, f => f.Event == "step");
        Assert.Equal("discovered", capture.Frames.LastMethodEvent().Event);
        Assert.Equal(10, capture.Frames.LastMethodEvent().Json.GetProperty("attemptIndex").GetInt32());
        Assert.Equal(Enumerable.Range(1, capture.Frames.Count).Select(i => (long)i), capture.Frames.Select(f => f.Id));

        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal(11, run.GetProperty("attempts").GetInt32());
        Assert.Equal(11, run.GetProperty("attemptsToDiscovery").GetInt32());
        Assert.Equal("sdpo attempt 10 seed 1", run.GetProperty("passingAttempt").GetProperty("text").GetString());
        Assert.Equal("fake-model", run.GetProperty("model").GetString());
        // Defaults are filled in and reported as the configuration used.
        Assert.Equal(8, run.GetProperty("configuration").GetProperty("budget").GetProperty("attemptsPerStep").GetInt32());
        Assert.Equal(1.0, run.GetProperty("configuration").GetProperty("sampling").GetProperty("temperature").GetDouble());
        Assert.Equal(1, run.GetProperty("steps").GetInt32());
        Assert.True(run.GetProperty("durationMs").GetDouble() >= 0);

        var page = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/solve/{id}/attempts?offset=8&limit=2");
        Assert.Equal(11, page.GetProperty("total").GetInt32());
        Assert.Equal([8, 9], page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("index").GetInt32()));
        // The same status names as the event stream's verdicts.
        Assert.Equal("wrong", page.GetProperty("items")[0].GetProperty("verdictStatus").GetString());
        Assert.Equal("wrong", attempts[8].Json.GetProperty("verdict").GetProperty("status").GetString());
        Assert.Equal("passed", run.GetProperty("passingAttempt").GetProperty("verdictStatus").GetString());
        Assert.Equal("attempt 8 is wrong", page.GetProperty("items")[0].GetProperty("feedback").GetString());
    }

    [Fact]
    public async Task Verdicts_are_reused_unless_the_request_turns_it_off()
    {
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 2 };
        await using var host = new ServiceHost(_data, engine);
        var reusing = await ServiceApi.SubmitAsync(host.Client);
        var everyTime = await ServiceApi.SubmitAsync(host.Client, ServiceApi.MinimalRequest.Replace("\"seed\": 1", "\"seed\": 1, \"reuseVerdicts\": false"));

        foreach (var (id, expected) in new[] { (reusing, true), (everyTime, false) })
        {
            var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
            Assert.Equal(expected, run.GetProperty("configuration").GetProperty("reuseVerdicts").GetBoolean());
        }
        lock (engine.Requests) Assert.Equal([false, true], engine.Requests.Select(r => r.ReuseVerdicts).Order());
    }

    [Fact]
    public async Task A_request_without_a_seed_runs_with_seed_1_as_a_benchmarks_first_seed_does()
    {
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 0 };
        await using var host = new ServiceHost(_data, engine);
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}}""");
        await ServiceApi.WaitForEndAsync(host.Client, id);

        var run = await ServiceApi.GetRunAsync(host.Client, id);
        Assert.Equal(1, run.GetProperty("seed").GetInt64());
        Assert.Equal(1, run.GetProperty("configuration").GetProperty("seed").GetInt64());
        Assert.Equal(1, Assert.Single(engine.Requests).Seed);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_by_page_and_by_status()
    {
        // Seed 1 passes at its 4th attempt, seed 2 never, seed 3 at once.
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAtFor = r => r.Seed switch { 1 => 3, 3 => 0, _ => null } });
        var ids = new List<Guid>();
        foreach (var seed in new[] { 1, 2, 3 })
        {
            ids.Add(await ServiceApi.SubmitAsync(host.Client,
                $$"""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 8, "attemptsPerStep": 4}, "seed": {{seed}}}"""));
            await ServiceApi.WaitForEndAsync(host.Client, ids[^1]);
            await ServiceApi.PollAsync(host.Client, ids[^1], r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);
        }

        var all = await host.Client.GetFromJsonAsync<JsonElement>("/solve");
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        var items = all.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([ids[2], ids[1], ids[0]], items.Select(i => i.GetProperty("id").GetGuid()));
        Assert.Equal(["discovered", "exhausted", "discovered"], items.Select(i => i.GetProperty("status").GetString()));
        Assert.Equal([1, 8, 4], items.Select(i => i.GetProperty("attempts").GetInt32()));
        Assert.Equal(4, items[2].GetProperty("attemptsToDiscovery").GetInt32());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("attemptsToDiscovery").ValueKind);
        Assert.Equal($"/solve/{ids[0]}", items[2].GetProperty("url").GetString());

        var second = await host.Client.GetFromJsonAsync<JsonElement>("/solve?offset=1&limit=1");
        Assert.Equal(3, second.GetProperty("total").GetInt32());
        Assert.Equal([ids[1]], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));

        var discovered = await host.Client.GetFromJsonAsync<JsonElement>("/solve?status=discovered");
        Assert.Equal(2, discovered.GetProperty("total").GetInt32());
        Assert.Equal([ids[2], ids[0]], discovered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));

        foreach (var (query, field) in new[] { ("status=won", "status"), ("status=3", "status"), ("limit=0", "limit"), ("offset=-1", "offset") })
        {
            var response = await host.Client.GetAsync($"/solve?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }

    [Fact]
    public async Task Event_stream_has_id_event_and_data_lines_and_keep_alive_comments()
    {
        // The run holds before its second attempt until the client has seen a keep-alive, so the stream is
        // idle while the client listens however slowly it connects; a stream without keep-alives times out.
        var keptAlive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 2, BeforeAttempt = index => index == 1 ? keptAlive.Task : Task.CompletedTask };
        await using var host = new ServiceHost(_data, engine);
        var id = await ServiceApi.SubmitAsync(host.Client);
        using var response = await SseClient.OpenAsync(host.Client, $"/solve/{id}/events");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var capture = await SseClient.ReadAsync(response, onComment: () => keptAlive.TrySetResult());

        Assert.True(capture.Ended);
        Assert.True(capture.Comments > 0, "an idle stream gets keep-alive comments (0.1 s in tests)");
        Assert.Contains(": keep-alive\n", capture.Raw);
        var firstFrame = capture.Raw[capture.Raw.IndexOf("id: 1\n", StringComparison.Ordinal)..].Split("\n\n")[0].Split('\n');
        Assert.Equal("id: 1", firstFrame[0]);
        Assert.Equal("event: attempt", firstFrame[1]);
        Assert.StartsWith("data: {\"type\":\"attempt\",\"method\":\"sdpo\",\"index\":0,", firstFrame[2]);
        Assert.Equal(["attempt", "attempt", "attempt", "discovered", "ended"], capture.Frames.Select(f => f.Event));
    }

    [Fact]
    public async Task Streamed_answers_keep_their_characters_as_responses_do()
    {
        const string answer = "(7+5)*3 < 40 & 'ok'";
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 0, AttemptText = (_, _) => answer });
        var id = await ServiceApi.SubmitAsync(host.Client);
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);

        // Readable in curl: no \u002B, \u003C, \u0026 or \u0027 escapes, and still the same string to a JSON reader.
        Assert.Contains($"\"text\":\"{answer}\"", capture.Frames[0].Data);
        Assert.Equal(answer, capture.Frames[0].Json.GetProperty("text").GetString());
        var body = await host.Client.GetStringAsync($"/solve/{id}/attempts");
        Assert.Contains($"\"text\":\"{answer}\"", body);
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_gets_exactly_the_missed_events_then_live_ones()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 20, AttemptDelay = TimeSpan.FromMilliseconds(15) });
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 64, "attemptsPerStep": 4}}""");

        List<SseFrame> firstPart;
        using (var first = await SseClient.OpenAsync(host.Client, $"/solve/{id}/events"))
            firstPart = (await SseClient.ReadAsync(first, frames => frames.Count == 5)).Frames.ToList();
        Assert.Equal([1L, 2, 3, 4, 5], firstPart.Select(f => f.Id));

        await Task.Delay(100); // events keep coming while the client is away
        var rest = await ServiceApi.WaitForEndAsync(host.Client, id, lastEventId: 5);
        Assert.Equal(6, rest.Frames[0].Id);
        var all = firstPart.Concat(rest.Frames).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(f => f.Id));
        Assert.Equal(Enumerable.Range(0, 21), all.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Equal("discovered", all.LastMethodEvent().Event);

        // A finished run replays everything from the database and closes.
        var replay = await ServiceApi.WaitForEndAsync(host.Client, id);
        Assert.Equal(all.Select(f => (f.Id, f.Event, f.Data)), replay.Frames.Select(f => (f.Id, f.Event, f.Data)));
        var tail = await ServiceApi.WaitForEndAsync(host.Client, id, lastEventId: all[^2].Id);
        Assert.Equal([all[^1].Id], tail.Frames.Select(f => f.Id));
    }

    [Fact]
    public async Task Post_with_Accept_event_stream_streams_the_run_inline()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 3 });
        var request = new HttpRequestMessage(HttpMethod.Post, "/solve") { Content = ServiceApi.Json(ServiceApi.MinimalRequest) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var capture = await SseClient.ReadAsync(response);
        Assert.True(capture.Ended);
        Assert.Equal(["attempt", "attempt", "attempt", "attempt", "discovered", "ended"], capture.Frames.Select(f => f.Event));

        // The Location header names the run, so a client whose stream dropped can resume it with Last-Event-ID.
        var location = response.Headers.Location?.ToString();
        Assert.Matches("^/solve/[0-9a-f-]{36}$", location);
        var resumed = await ServiceApi.WaitForEndAsync(host.Client, Guid.Parse(location!["/solve/".Length..]), lastEventId: capture.Frames[1].Id);
        Assert.Equal(capture.Frames.Skip(2).Select(f => (f.Id, f.Event, f.Data)), resumed.Frames.Select(f => (f.Id, f.Event, f.Data)));
    }

    [Fact]
    public async Task An_engine_failure_ends_the_run_failed_with_the_first_line_of_its_message_only()
    {
        // As LibTorch's native errors read: the message, then the C++ stack trace with the server's paths.
        const string native = "weight_decay must be non-negative\nException raised from step at /opt/build/torch/csrc/api/src/optim/adamw.cpp:12 (most recent call first):\n" +
                              "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x9e (0x7f3c in /srv/sdpo/runtimes/linux-x64/native/libc10.so)";
        var engine = new FakeDiscoveryEngine { BeforeAttempt = index => index == 2 ? Task.FromException(new ExternalException(native)) : Task.CompletedTask };
        await using var host = new ServiceHost(_data, engine);
        var id = await ServiceApi.SubmitAsync(host.Client);

        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("failed", capture.Frames.LastMethodEvent().Event);
        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "failed");
        Assert.Equal("The engine failed: weight_decay must be non-negative", run.GetProperty("failureReason").GetString());
        Assert.Equal("The engine failed: weight_decay must be non-negative", run.GetProperty("methods")[0].GetProperty("failureReason").GetString());
        Assert.DoesNotContain("libc10", capture.Frames.LastMethodEvent().Data);
    }

    [Fact]
    public async Task Listed_attempts_say_whether_their_verdict_was_reused_and_sandboxed_as_their_events_do()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 3, Sandboxed = true, VerdictReusedAt = index => index == 2 });
        var id = await ServiceApi.SubmitAsync(host.Client);
        var attempts = (await ServiceApi.WaitForEndAsync(host.Client, id)).Frames.Where(f => f.Event == "attempt").Select(f => f.Json).ToList();
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);

        var items = (await host.Client.GetFromJsonAsync<JsonElement>($"/solve/{id}/attempts")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([false, false, true, false], items.Select(a => a.GetProperty("verdictReused").GetBoolean()));
        Assert.Equal(items.Select(a => a.GetProperty("verdictReused").GetBoolean()),
            attempts.Select(a => a.TryGetProperty("verdictReused", out var reused) && reused.GetBoolean()));
        Assert.All(items, a => Assert.True(a.GetProperty("sandboxed").GetBoolean()));
        Assert.All(attempts, a => Assert.True(a.GetProperty("verdict").GetProperty("sandboxed").GetBoolean()));
    }

    [Fact]
    public async Task Attempts_of_a_method_the_run_does_not_have_answer_400_naming_the_runs_methods()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 1 });
        var id = await ServiceApi.SubmitAsync(host.Client,
            """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "compareWith": ["best-of-k"]}""");
        await ServiceApi.WaitForEndAsync(host.Client, id);

        var response = await host.Client.GetAsync($"/solve/{id}/attempts?method=multi-turn");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("method")[0].GetString();
        Assert.Contains("'multi-turn'", message);
        Assert.Contains("sdpo, best-of-k", message);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}/attempts?method=best-of-k")).StatusCode);
    }

    [Fact]
    public async Task Delete_cancels_a_running_run()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(20) });
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""");
        using var stream = await SseClient.OpenAsync(host.Client, $"/solve/{id}/events");
        var reading = SseClient.ReadAsync(stream);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);

        var cancel = await host.Client.DeleteAsync($"/solve/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var capture = await reading;
        Assert.Equal("cancelled", capture.Frames.LastMethodEvent().Event);
        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "cancelled");
        Assert.True(run.GetProperty("attempts").GetInt32() < 10000);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, run.GetProperty("finishedAt").ValueKind);

        // Once ended, purging deletes it (RetentionTests).
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
    }

    [Fact]
    public async Task Delete_of_a_run_a_worker_has_taken_answers_running_even_before_its_running_status_is_saved()
    {
        var held = new HoldRunningSaves();
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(20) },
            services: collection => collection.ConfigureDbContext<SdpoDbContext>(options => options.AddInterceptors(held)));
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""");
        try
        {
            // A worker has taken the run; its row still says queued.
            await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("queued", (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("status").GetString());

            var cancel = await host.Client.DeleteAsync($"/solve/{id}");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal("running", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        finally
        {
            held.Release.TrySetResult();
        }
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "cancelled");
    }

    [Fact]
    public async Task A_cancel_that_meets_the_runs_end_waits_for_its_outcome_to_be_saved_and_answers_it()
    {
        var held = new HoldEndingSaves();
        await using var host = HostHolding(held);
        var id = await ServiceApi.SubmitAsync(host.Client);
        try
        {
            // The run has ended and its worker has let it go; the save of its end is held, so its row still says running.
            await WorkerLetGoWithItsEndHeldAsync(host, held, id);

            held.WatchReads();
            var cancel = host.Client.DeleteAsync($"/solve/{id}");
            // The cancel has read the row that still says running: only then is the end saved.
            await held.RunRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
            held.Release.TrySetResult();

            var answer = await cancel;
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{(int)answer.StatusCode}: {body}");
            Assert.Equal("discovered", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        }
        finally
        {
            held.Release.TrySetResult();
        }
        Assert.Equal("discovered", (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_purge_that_meets_the_runs_end_waits_for_its_outcome_to_be_saved_and_deletes_it()
    {
        var held = new HoldEndingSaves();
        await using var host = HostHolding(held);
        var id = await ServiceApi.SubmitAsync(host.Client);
        try
        {
            await WorkerLetGoWithItsEndHeldAsync(host, held, id);

            // Two reads of the row that still says running: the handler's, then the deleter's; only then is the end saved.
            held.WatchReads(reads: 2);
            var purge = host.Client.DeleteAsync($"/solve/{id}?purge=true");
            await held.RunRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
            held.Release.TrySetResult();

            var answer = await purge;
            Assert.True(answer.StatusCode == HttpStatusCode.NoContent, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }
        finally
        {
            held.Release.TrySetResult();
        }
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_cancel_whose_wait_for_the_runs_saved_end_runs_out_is_the_409_to_retry()
    {
        var held = new HoldEndingSaves();
        await using var host = HostHolding(held);
        var id = await ServiceApi.SubmitAsync(host.Client);
        try
        {
            await WorkerLetGoWithItsEndHeldAsync(host, held, id);

            // The end's save stays held (a database refusing writes): the cancel's bounded wait runs out.
            var answer = await host.Client.DeleteAsync($"/solve/{id}");
            Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
            Assert.Equal("The run is still ending", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }
        finally
        {
            held.Release.TrySetResult();
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Client.DeleteAsync($"/solve/{id}")).StatusCode);
    }

    /// <summary>A host whose runs discover at their second attempt and whose saves of a run's end wait for <paramref name="held"/>.</summary>
    private ServiceHost HostHolding(HoldEndingSaves held) =>
        new(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 2 },
            services: collection => collection.ConfigureDbContext<SdpoDbContext>(options => options.AddInterceptors(held)));

    private static async Task WorkerLetGoWithItsEndHeldAsync(ServiceHost host, HoldEndingSaves held, Guid id)
    {
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var control = host.Services.GetRequiredService<Sdpo.Service.Execution.RunControl>();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); control.TryGet(id, out _); await Task.Delay(10))
            Assert.True(DateTime.UtcNow < deadline, "the worker never let the run go");
    }

    /// <summary>Holds the save of a run's end until <see cref="Release"/>, as a busy writer would, and tells when a
    /// request reads the runs table meanwhile.</summary>
    private sealed class HoldEndingSaves : Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor, ISaveChangesInterceptor, IDbCommandInterceptor
    {
        private volatile bool _watching;
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource RunRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private int _runReads;
        private int _readsToSignal = 1;

        /// <summary>From now on, <see cref="RunRead"/> is set at the <paramref name="reads"/>-th read of the runs table.</summary>
        public void WatchReads(int reads = 1)
        {
            _readsToSignal = reads;
            _watching = true;
        }

        public async ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context!.ChangeTracker.Entries<RunEntity>().Any(e => e.State == EntityState.Modified && e.Entity.Status.IsFinished()))
            {
                Reached.TrySetResult();
                await Release.Task;
            }
            return result;
        }

        public ValueTask<System.Data.Common.DbDataReader> ReaderExecutedAsync(System.Data.Common.DbCommand command, CommandExecutedEventData eventData,
            System.Data.Common.DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (_watching && command.CommandText.Contains("FROM \"runs\"", StringComparison.Ordinal)
                && Interlocked.Increment(ref _runReads) >= _readsToSignal)
                RunRead.TrySetResult();
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>Holds the save that marks a run running until <see cref="Release"/>, as a busy writer would.</summary>
    private sealed class HoldRunningSaves : SaveChangesInterceptor
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context!.ChangeTracker.Entries<RunEntity>().Any(e => e.State == EntityState.Modified && e.Entity.Status == RunStatus.Running))
            {
                Reached.TrySetResult();
                await Release.Task;
            }
            return result;
        }
    }

    [Fact]
    public async Task Delete_during_the_comparisons_ends_the_run_cancelled_and_keeps_each_methods_outcome()
    {
        // SDPO passes at once; the best-of-k comparison never does, so the cancel lands while it runs.
        var engine = new FakeDiscoveryEngine { DiscoverAt = m => m == DiscoveryMethod.Sdpo ? 0 : null, AttemptDelay = TimeSpan.FromMilliseconds(20) };
        await using var host = new ServiceHost(_data, engine);
        var id = await ServiceApi.SubmitAsync(host.Client,
            """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "compareWith": ["best-of-k"], "budget": {"maxAttempts": 10000}}""");
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("methods")[1].GetProperty("attempts").GetInt32() >= 2
                                                         || r.GetProperty("methods")[1].GetProperty("status").GetString() == "running");

        var cancel = await host.Client.DeleteAsync($"/solve/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("cancelled", capture.Frames.LastMethodEvent().Event);
        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        // Each method's own outcome stays as it ended, the primary's discovery included.
        Assert.Equal(["discovered", "cancelled"], run.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("status").GetString()));
        Assert.Equal(1, run.GetProperty("attemptsToDiscovery").GetInt32());

        var cancelled = await host.Client.GetFromJsonAsync<JsonElement>("/solve?status=cancelled");
        Assert.Equal([id], cancelled.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Delete_ends_a_queued_run_cancelled_at_once_and_frees_its_place_in_the_queue()
    {
        var settings = new Dictionary<string, string> { ["Service:QueueCapacity"] = "2", ["Service:RunsPerDevice"] = "1" };
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using var host = new ServiceHost(_data, engine, settings);
        const string queued = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "compareWith": ["sdpo"], "budget": {"maxAttempts": 64}}""";
        var running = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""");
        await ServiceApi.PollAsync(host.Client, running, r => r.GetProperty("status").GetString() == "running");
        var waiting = new[] { await ServiceApi.SubmitAsync(host.Client, queued), await ServiceApi.SubmitAsync(host.Client, queued) };
        Assert.Equal(HttpStatusCode.TooManyRequests, (await host.Client.PostAsync("/solve", ServiceApi.Json(queued))).StatusCode);

        foreach (var id in waiting)
        {
            var cancel = await host.Client.DeleteAsync($"/solve/{id}");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

            // Ended before the answer, without ever starting: no start time, no execution, one cancelled event per method.
            var run = await ServiceApi.GetRunAsync(host.Client, id);
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, run.GetProperty("startedAt").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, run.GetProperty("finishedAt").ValueKind);
            Assert.Equal(0, run.GetProperty("executions").GetInt32());
            Assert.Equal(["cancelled", "cancelled"], run.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("status").GetString()));
            var capture = await ServiceApi.WaitForEndAsync(host.Client, id);
            Assert.Equal([("cancelled", "best-of-k"), ("cancelled", "sdpo"), ("ended", null)], capture.Frames.Select(f => (f.Event, f.Method)));
        }

        var health = await host.Client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal(0, health.GetProperty("queuedRuns").GetInt32());
        Assert.Equal(1, health.GetProperty("activeRuns").GetInt32());
        var next = await ServiceApi.SubmitAsync(host.Client, queued);

        // The worker goes from the running run to the new one; the cancelled runs are never handed to it.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{running}")).StatusCode);
        await ServiceApi.PollAsync(host.Client, next, r => r.GetProperty("attempts").GetInt32() >= 2);
        Assert.Equal(2, engine.Executions);
        foreach (var id in waiting) Assert.Equal(0, (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("executions").GetInt32());
    }

    [Fact]
    public async Task A_live_stream_ends_with_an_interrupted_event_when_the_service_stops()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(20) });
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""");
        using var stream = await SseClient.OpenAsync(host.Client, $"/solve/{id}/events");
        var reading = SseClient.ReadAsync(stream);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);
        var contract = new OpenApiContract(JsonDocument.Parse(await host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement.Clone());

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var capture = await reading;
        Assert.True(capture.Ended);
        var last = capture.Frames[^1];
        Assert.Equal("interrupted", last.Event);
        Assert.Equal("""{"type":"interrupted","reason":"The service is stopping; the run resumes when it starts again. Reconnect with Last-Event-ID then to follow it."}""", last.Data);
        Assert.Empty(contract.ResponseErrors("/solve/{id}/events", "get", 200, last.Json, "text/event-stream"));
        // Not one of the run's numbered events: it carries no id, so Last-Event-ID still resumes after the last attempt.
        Assert.EndsWith("event: interrupted\ndata: " + last.Data + "\n\n", capture.Raw);
        Assert.DoesNotContain("\nid: " + (capture.Frames[^2].Id + 1) + "\n", capture.Raw);
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_Retry_After()
    {
        var settings = new Dictionary<string, string> { ["Service:QueueCapacity"] = "1", ["Service:RunsPerDevice"] = "1", ["Service:RetryAfterSeconds"] = "7" };
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) }, settings);
        const string slow = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""";

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3 && refused is null; i++)
        {
            var response = await host.Client.PostAsync("/solve", ServiceApi.Json(slow));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.NotNull(refused);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("queue", problem.GetProperty("detail").GetString());
        // A type, as every other problem response has: RFC 6585 defines 429.
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString());

        var metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Contains("sdpo_runs_rejected_total 1", metrics);
        // One run waits, unless the worker has just taken it.
        Assert.Matches(@"sdpo_queue_length\{device=""cpu""\} [01]\n", metrics);
    }

    [Fact]
    public async Task CompareWith_runs_the_baseline_on_the_same_problem_and_reports_attempts_to_discovery_per_method()
    {
        var engine = new FakeDiscoveryEngine { DiscoverAt = m => m == DiscoveryMethod.Sdpo ? 5 : 13 };
        await using var host = new ServiceHost(_data, engine);
        var id = await ServiceApi.SubmitAsync(host.Client,
            """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "sdpo", "budget": {"maxAttempts": 64, "attemptsPerStep": 4}, "seed": 9, "compareWith": ["best-of-k"]}""");

        var capture = await ServiceApi.WaitForEndAsync(host.Client, id);
        Assert.Equal(["discovered", "discovered"], capture.Frames.Where(f => f.Event == "discovered").Select(f => f.Event));
        Assert.Equal(["sdpo", "best-of-k"], capture.Frames.Where(f => f.Event == "discovered").Select(f => f.Method));

        var run = await ServiceApi.GetRunAsync(host.Client, id);
        Assert.Equal("discovered", run.GetProperty("status").GetString());
        var methods = run.GetProperty("methods").EnumerateArray().ToList();
        Assert.Equal(["sdpo", "best-of-k"], methods.Select(m => m.GetProperty("method").GetString()));
        Assert.Equal(["primary", "comparison"], methods.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal([6, 14], methods.Select(m => m.GetProperty("attemptsToDiscovery").GetInt32()));
        Assert.Equal("best-of-k attempt 13 seed 9", methods[1].GetProperty("passingAttempt").GetProperty("text").GetString());

        var baseline = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/solve/{id}/attempts?method=best-of-k&limit=500");
        Assert.Equal(14, baseline.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Adapter_is_served_zipped_for_sdpo_and_is_a_problem_404_when_absent()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 9 });
        var sdpo = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"attemptsPerStep": 4}}""");
        var bestOfK = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k"}""");
        await ServiceApi.WaitForEndAsync(host.Client, sdpo);
        await ServiceApi.WaitForEndAsync(host.Client, bestOfK);

        var zipped = await host.Client.GetAsync($"/solve/{sdpo}/adapter");
        Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
        Assert.Equal("application/zip", zipped.Content.Headers.ContentType?.MediaType);
        using var archive = new ZipArchive(await zipped.Content.ReadAsStreamAsync());
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], archive.Entries.Select(e => e.FullName).Order());

        var missing = await host.Client.GetAsync($"/solve/{bestOfK}/adapter");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var detail = await missing.Content.ReadAsStringAsync();
        Assert.Contains("no adapter", detail);
        Assert.Contains("when SDPO's part of the run ends", detail);
    }

    [Fact]
    public async Task An_adapter_folder_short_of_a_file_is_not_served_nor_one_still_being_written()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 9 });
        var id = await ServiceApi.SubmitAsync(host.Client, """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"attemptsPerStep": 4}}""");
        await ServiceApi.WaitForEndAsync(host.Client, id);
        var adapter = Path.Combine(_data.Path, "runs", id.ToString("D"), "state", "adapter");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}/adapter")).StatusCode);

        // As an export writing in place leaves it when a download lands between its two files.
        File.Delete(Path.Combine(adapter, "adapter_model.safetensors"));
        var torn = await host.Client.GetAsync($"/solve/{id}/adapter");
        Assert.Equal(HttpStatusCode.NotFound, torn.StatusCode);
        // Said of this run, an SDPO one that ended: not that only SDPO trains one.
        var detail = (await torn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("no complete adapter: its SDPO method ended discovered", detail);
        Assert.DoesNotContain("only SDPO", detail);

        // Only an export's staging folder, not yet renamed into place.
        Directory.Move(adapter, adapter + ".saving-0123");
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{id}/adapter")).StatusCode);
    }

    [Fact]
    public async Task The_adapter_of_an_sdpo_run_still_running_is_a_404_saying_it_is_not_written_yet()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) });
        // One long first step: the fake engine, like the real one's resume state, writes its adapter after each step.
        var id = await ServiceApi.SubmitAsync(host.Client,
            """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000, "attemptsPerStep": 256}}""");
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("methods")[0].GetProperty("status").GetString() == "running");

        var early = await host.Client.GetAsync($"/solve/{id}/adapter");
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Contains("adapter is not written yet: its SDPO method is running",
            (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await host.Client.DeleteAsync($"/solve/{id}");
        await ServiceApi.WaitForEndAsync(host.Client, id);
    }

    [Fact]
    public async Task A_run_compared_with_sdpo_serves_the_comparisons_adapter()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 9 });
        var id = await ServiceApi.SubmitAsync(host.Client,
            """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "compareWith": ["sdpo"], "budget": {"attemptsPerStep": 4}}""");
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("methods").EnumerateArray().All(m => m.GetProperty("finishedAt").ValueKind != JsonValueKind.Null));

        var zipped = await host.Client.GetAsync($"/solve/{id}/adapter");
        Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
        using var archive = new ZipArchive(await zipped.Content.ReadAsStreamAsync());
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], archive.Entries.Select(e => e.FullName).Order());
    }

    [Fact]
    public async Task Models_health_and_metrics_report_the_service()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 1 });
        var id = await ServiceApi.SubmitAsync(host.Client);
        await ServiceApi.WaitForEndAsync(host.Client, id);

        var models = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/models");
        Assert.Equal("fake-model", models[0].GetProperty("name").GetString());
        Assert.True(models[0].GetProperty("isDefault").GetBoolean());

        var health = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/health");
        Assert.Equal(PythonTheoryAttribute.HealthyStatus, health.GetProperty("status").GetString());
        if (PythonTheoryAttribute.PythonInstalled) Assert.Equal("available", health.GetProperty("pythonVerifiers").GetString());

        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        var metrics = await host.Client.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("sdpo_runs{state=\"discovered\"} 1", text);
        Assert.Contains("sdpo_attempts_total 2", text);
        Assert.Contains("sdpo_tokens_total 6", text);
        Assert.Contains("# TYPE sdpo_step_latency_seconds histogram", text);
        Assert.Contains("sdpo_attempts_per_second ", text);
    }
}
