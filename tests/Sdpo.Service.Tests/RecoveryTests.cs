using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class RecoveryTests : IDisposable
{
    private const string LongRun = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 200, "attemptsPerStep": 4}, "seed": 3}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_run_stopped_by_a_shutdown_resumes_at_the_next_start_without_losing_or_repeating_attempts()
    {
        Guid id;
        List<SseFrame> beforeRestart;
        // The first engine holds at attempt 7 until the shutdown, however slowly the client connects.
        var slow = new FakeDiscoveryEngine { DiscoverAt = _ => 30, BeforeAttempt = index => index == 7 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var first = new ServiceHost(_data, slow))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            // Stop in the middle of a step: after attempt 6, with step 1 (attempts 4..7) unfinished.
            using var stream = await SseClient.OpenAsync(first.Client, $"/solve/{id}/events");
            beforeRestart = (await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "attempt") == 7)).Frames.ToList();
        }

        await using (var db = OpenDatabase())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == id);
            Assert.Equal(RunStatus.Interrupted, run.Status);
            Assert.True(await db.Attempts.CountAsync(a => a.RunId == id) >= 7, "every attempt reported before the shutdown is saved");
        }

        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 30, AttemptDelay = TimeSpan.FromMilliseconds(1) };
        await using var second = new ServiceHost(_data, engine);
        var capture = await ServiceApi.WaitForEndAsync(second.Client, id);
        Assert.Equal(1, engine.Executions);

        var frames = capture.Frames;
        Assert.Equal(beforeRestart.Select(f => (f.Id, f.Data)), frames.Take(beforeRestart.Count).Select(f => (f.Id, f.Data)));
        Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => (long)i), frames.Select(f => f.Id));
        Assert.Equal(Enumerable.Range(0, 31), frames.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Equal(Enumerable.Range(0, 7), frames.Where(f => f.Event == "step").Select(f => f.Json.GetProperty("step").GetInt32()));
        Assert.Equal("discovered", frames.LastMethodEvent().Event);

        var details = await ServiceApi.PollAsync(second.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal(31, details.GetProperty("attemptsToDiscovery").GetInt32());
        Assert.Equal(2, details.GetProperty("executions").GetInt32());
        await using (var db = OpenDatabase())
        {
            var indices = await db.Attempts.Where(a => a.RunId == id).Select(a => a.Index).OrderBy(i => i).ToListAsync();
            Assert.Equal(Enumerable.Range(0, 31), indices);
            Assert.Equal("sdpo attempt 5 seed 3", (await db.Attempts.SingleAsync(a => a.RunId == id && a.Index == 5)).Text);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_resumed_run_is_timed_by_its_executions_not_by_the_downtime_between_them(bool killed)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        Guid id;
        var held = new FakeDiscoveryEngine { DiscoverAt = _ => 30, BeforeAttempt = index => index == 7 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var first = new ServiceHost(_data, held))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 7);
        }
        // The service was down for an hour (and, when killed, never saw the end of its execution).
        await Downtime.PassAsync(_data, TimeSpan.FromHours(1), killed);
        long firstExecutionEvents;
        await using (var db = OpenDatabase()) firstExecutionEvents = await db.Events.Where(e => e.RunId == id).MaxAsync(e => e.Sequence);

        await using var second = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 30, AttemptDelay = TimeSpan.FromMilliseconds(20) });
        var run = await ServiceApi.PollAsync(second.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        elapsed.Stop();

        Assert.Equal(2, run.GetProperty("executions").GetInt32());
        // Both executions ran within this test; the hour between them is not the run's time.
        var duration = run.GetProperty("durationMs").GetDouble();
        Assert.InRange(duration, 0, elapsed.Elapsed.TotalMilliseconds);
        // But each execution counts, at least from its first saved event to its last.
        await using (var db = OpenDatabase())
        {
            var events = (await db.Events.Where(e => e.RunId == id).Select(e => new { e.Sequence, e.CreatedAt }).ToListAsync())
                .ToLookup(e => e.Sequence <= firstExecutionEvents, e => e.CreatedAt);
            var spans = events.Sum(execution => (execution.Max() - execution.Min()).TotalMilliseconds);
            Assert.InRange(duration, spans, double.MaxValue);
        }
        Assert.InRange(run.GetProperty("methods")[0].GetProperty("durationMs").GetDouble(), 0, elapsed.Elapsed.TotalMilliseconds);
        // Its wait in the queue before the first execution is its own figure, and short.
        Assert.InRange(run.GetProperty("queuedMs").GetDouble(), 0, elapsed.Elapsed.TotalMilliseconds);
    }

    [Fact]
    public async Task A_resumed_run_no_longer_carries_the_note_of_its_interruption()
    {
        Guid id;
        await using (var first = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 3 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask }))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 3);
        }
        await using (var db = OpenDatabase())
            Assert.Contains("resumes at the next start", (await db.Runs.SingleAsync(r => r.Id == id)).FailureReason);

        await using var second = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 9 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask });
        var running = await ServiceApi.PollAsync(second.Client, id, r => r.GetProperty("attempts").GetInt32() >= 9);
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, running.GetProperty("failureReason").ValueKind);
    }

    [Fact]
    public async Task A_run_whose_model_is_not_configured_waits_with_its_state_and_resumes_once_the_model_is_back()
    {
        Guid id;
        await using (var first = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask }))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);
        }

        // Killed mid-run an hour ago: its execution was never closed. Its state folder holds what an SDPO run's would.
        await Downtime.PassAsync(_data, TimeSpan.FromHours(1), killed: true);
        var state = Path.Combine(_data.Path, "runs", id.ToString("D"), "state");
        Directory.CreateDirectory(Path.Combine(state, "policy-1"));
        Directory.CreateDirectory(Path.Combine(state, "adapter"));
        await File.WriteAllTextAsync(Path.Combine(state, "loop.json"), "{}");
        // A typo in the model's name: the run was failed and its resume state deleted, and fixing the name brought nothing back.
        var log = new LogCapture();
        await using (var mistaken = new ServiceHost(_data, new FakeDiscoveryEngine(), modelName: "fake-modle", services: s => s.AddSingleton<ILoggerProvider>(log)))
        {
            var run = await ServiceApi.GetRunAsync(mistaken.Client, id);
            Assert.Equal("interrupted", run.GetProperty("status").GetString());
            Assert.Contains("Waiting for model 'fake-model', which is not configured", run.GetProperty("failureReason").GetString());
            Assert.True(run.GetProperty("attempts").GetInt32() >= 2, "attempts made before the restart are kept");
            Assert.Equal(["adapter", "loop.json", "policy-1"], Directory.EnumerateFileSystemEntries(state).Select(Path.GetFileName).Order());
            Assert.Contains(log.Messages(LogLevel.Warning), m => m.Contains(id.ToString()) && m.Contains("fake-model") && m.Contains("not configured"));
        }
        await using (var db = OpenDatabase())
        {
            // Its killed execution is closed at its last saved event, as a shutdown would have closed it.
            var stored = await db.Runs.Include(r => r.Methods).SingleAsync(r => r.Id == id);
            Assert.Null(stored.ExecutionStartedAt);
            Assert.All(stored.Methods, m => Assert.Equal(RunStatus.Interrupted, m.Status));
        }

        // The name fixed: the run resumes where it stood.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 5 };
        await using var fixedName = new ServiceHost(_data, engine);
        var resumed = await ServiceApi.PollAsync(fixedName.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal(1, engine.Executions);
        Assert.Equal(2, resumed.GetProperty("executions").GetInt32());
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("failureReason").ValueKind);
    }

    [Fact]
    public async Task A_run_waiting_for_a_model_that_is_not_configured_is_cancelled_at_once_then_purged()
    {
        Guid id;
        await using (var first = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask }))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);
        }
        var state = Path.Combine(_data.Path, "runs", id.ToString("D"), "state");
        Directory.CreateDirectory(Path.Combine(state, "policy-1"));
        Directory.CreateDirectory(Path.Combine(state, "adapter"));
        await File.WriteAllTextAsync(Path.Combine(state, "loop.json"), "{}");

        // The model removed on purpose: its run waits for it, yet the user wants it gone without configuring it again.
        await using var removed = new ServiceHost(_data, new FakeDiscoveryEngine(),
            new Dictionary<string, string> { ["Service:KeepAliveSeconds"] = "0.2" }, modelName: "another-model");
        Assert.Equal("interrupted", (await ServiceApi.GetRunAsync(removed.Client, id)).GetProperty("status").GetString());
        var parked = removed.Services.GetRequiredService<ParkedRuns>();
        Assert.True(parked.Contains(id));
        var early = await removed.Client.DeleteAsync($"/solve/{id}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("cancel it first", await early.Content.ReadAsStringAsync());

        // A stream of the waiting run stays open (keep-alives) rather than closing with no end, which would have an
        // EventSource reconnect every few seconds; the cancel's end reaches it.
        var keptAlive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var live = await SseClient.OpenAsync(removed.Client, $"/solve/{id}/events");
        var streaming = SseClient.ReadAsync(live, timeoutSeconds: 20, onComment: () => keptAlive.TrySetResult());
        await Task.WhenAny(keptAlive.Task, streaming);
        Assert.True(keptAlive.Task.IsCompleted, "the waiting run's stream closed without its end");

        var cancel = await removed.Client.DeleteAsync($"/solve/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        var run = await ServiceApi.GetRunAsync(removed.Client, id);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("failureReason").ValueKind);
        Assert.All(run.GetProperty("methods").EnumerateArray(), m => Assert.Equal("cancelled", m.GetProperty("status").GetString()));
        var frames = (await ServiceApi.WaitForEndAsync(removed.Client, id)).Frames;
        Assert.Equal("cancelled", frames.LastMethodEvent().Event);
        Assert.Single(frames, f => f.Event == "ended");
        Assert.Equal("cancelled", frames[^1].Json.GetProperty("status").GetString());
        var streamed = await streaming;
        Assert.True(streamed.Ended);
        Assert.Equal("cancelled", streamed.Frames.LastMethodEvent().Event);
        Assert.Equal("ended", streamed.Frames[^1].Event);
        Assert.False(parked.Contains(id));
        // Ended for good: only what it still serves is kept, its adapter; the resume state is gone.
        Assert.Equal(["adapter"], Directory.EnumerateFileSystemEntries(state).Select(Path.GetFileName));
        await using (var db = OpenDatabase())
            Assert.Null((await db.Runs.SingleAsync(r => r.Id == id)).ExecutionStartedAt);

        // A retried cancel finds it ended; then it is purged.
        Assert.Equal(HttpStatusCode.OK, (await removed.Client.DeleteAsync($"/solve/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await removed.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await removed.Client.GetAsync($"/solve/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_queued_run_waiting_for_a_model_that_is_not_configured_is_cancelled_at_once_and_never_resumed()
    {
        const string queued = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "budget": {"maxAttempts": 64}}""";
        Guid id, running;
        var settings = new Dictionary<string, string> { ["Service:RunsPerDevice"] = "1" };
        var first = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var host = new ServiceHost(_data, first, settings))
        {
            running = await ServiceApi.SubmitAsync(host.Client, LongRun);
            await ServiceApi.PollAsync(host.Client, running, r => r.GetProperty("status").GetString() == "running");
            id = await ServiceApi.SubmitAsync(host.Client, queued);
        }

        await using (var removed = new ServiceHost(_data, new FakeDiscoveryEngine(), settings, modelName: "another-model"))
        {
            Assert.Equal("queued", (await ServiceApi.GetRunAsync(removed.Client, id)).GetProperty("status").GetString());
            var cancel = await removed.Client.DeleteAsync($"/solve/{id}");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal("cancelled", JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
            var capture = await ServiceApi.WaitForEndAsync(removed.Client, id);
            Assert.Equal(["cancelled", "ended"], capture.Frames.Select(f => f.Event));
            // The other run, not cancelled, still waits for its model.
            Assert.Equal("interrupted", (await ServiceApi.GetRunAsync(removed.Client, running)).GetProperty("status").GetString());
        }

        // The model back: the run left waiting resumes, the cancelled one does not.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 5 };
        await using var second = new ServiceHost(_data, engine, settings);
        await ServiceApi.PollAsync(second.Client, running, r => r.GetProperty("status").GetString() == "discovered");
        var run = await ServiceApi.GetRunAsync(second.Client, id);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Equal(0, run.GetProperty("executions").GetInt32());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("startedAt").ValueKind);
        Assert.DoesNotContain(engine.Requests, r => r.Method == DiscoveryMethod.BestOfK);
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
    }

    [Fact]
    public async Task A_cancel_accepted_just_before_a_crash_ends_the_run_cancelled_at_the_next_start()
    {
        Guid id;
        // The engine never sees the cancel, as when the process is killed right after the 202; the host's stop gives
        // up on it after a second, leaving the run "running" in the database as a kill -9 would.
        var stuck = new FakeDiscoveryEngine
        {
            DiscoverAt = _ => 30, IgnoresCancellation = true, BeforeAttempt = index => index == 7 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask,
        };
        await using (var first = new ServiceHost(_data, stuck, services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1))))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 7);
            Assert.Equal(HttpStatusCode.Accepted, (await first.Client.DeleteAsync($"/solve/{id}")).StatusCode);
        }
        await using (var db = OpenDatabase())
            Assert.Equal(RunStatus.Running, (await db.Runs.SingleAsync(r => r.Id == id)).Status);

        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 30 };
        await using var second = new ServiceHost(_data, engine);
        var capture = await ServiceApi.WaitForEndAsync(second.Client, id);
        Assert.Equal("cancelled", capture.Frames.LastMethodEvent().Event);
        Assert.Equal(7, capture.Frames.LastMethodEvent().Json.GetProperty("attempts").GetInt32());
        Assert.Equal(0, engine.Executions);
        var run = await ServiceApi.GetRunAsync(second.Client, id);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Equal(7, run.GetProperty("attempts").GetInt32());
        Assert.Equal(1, run.GetProperty("executions").GetInt32());
        // Ended: purging deletes it.
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
    }

    [Fact]
    public async Task A_queued_run_cancelled_before_a_restart_is_not_run_after_it()
    {
        const string queued = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "budget": {"maxAttempts": 64}}""";
        Guid id;
        var settings = new Dictionary<string, string> { ["Service:RunsPerDevice"] = "1" };
        var first = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var host = new ServiceHost(_data, first, settings))
        {
            var running = await ServiceApi.SubmitAsync(host.Client, LongRun);
            await ServiceApi.PollAsync(host.Client, running, r => r.GetProperty("status").GetString() == "running");
            id = await ServiceApi.SubmitAsync(host.Client, queued);
            Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{id}")).StatusCode);
        }

        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null };
        await using var second = new ServiceHost(_data, engine, settings);
        var capture = await ServiceApi.WaitForEndAsync(second.Client, id);
        Assert.Equal(["cancelled", "ended"], capture.Frames.Select(f => f.Event));
        var run = await ServiceApi.GetRunAsync(second.Client, id);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Equal(0, run.GetProperty("attempts").GetInt32());
        Assert.Equal(0, run.GetProperty("executions").GetInt32());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("startedAt").ValueKind);
        Assert.DoesNotContain(engine.Requests, r => r.Method == DiscoveryMethod.BestOfK);
    }

    [Fact]
    public async Task A_run_whose_model_fails_to_load_after_a_restart_waits_saying_why_and_resumes_once_the_model_loads()
    {
        Guid id;
        await using (var first = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 30, BeforeAttempt = index => index == 6 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask }))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 6);
        }

        // Restarted with a model that cannot be loaded: the run waits, interrupted as it was, and says why.
        var settings = TinyArithmeticCheckpoint.ModelSettings("fake-model", "/models/fake");
        settings["Service:ModelRetrySeconds"] = "0";
        var broken = new FailingEngineFactory(failures: int.MaxValue);
        await using (var second = new ServiceHost(_data, engine: null, settings, services: s => s.AddSingleton<IEngineFactory>(broken)))
        {
            var waiting = await ServiceApi.PollAsync(second.Client, id, r => r.GetProperty("waitReason").ValueKind == JsonValueKind.String);
            Assert.Equal("interrupted", waiting.GetProperty("status").GetString());
            Assert.Contains("cannot be loaded", waiting.GetProperty("waitReason").GetString());
            Assert.Contains("The checkpoint is missing.", waiting.GetProperty("waitReason").GetString());
            // Tried again after the retry interval, and still waiting.
            await ServiceApi.PollAsync(second.Client, id, _ => broken.Loads >= 3);
            Assert.Equal("interrupted", (await ServiceApi.GetRunAsync(second.Client, id)).GetProperty("status").GetString());
        }
        await using (var db = OpenDatabase())
        {
            Assert.Equal(RunStatus.Interrupted, (await db.Runs.SingleAsync(r => r.Id == id)).Status);
            Assert.False(await db.Events.AnyAsync(e => e.RunId == id && e.IsFinal));
        }

        // Restarted with the model back, after one more failed load: the run resumes where it stopped.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 30, AttemptDelay = TimeSpan.FromMilliseconds(1) };
        var flaky = new FailingEngineFactory(failures: 1, engine);
        await using var third = new ServiceHost(_data, engine: null, settings, services: s => s.AddSingleton<IEngineFactory>(flaky));
        var capture = await ServiceApi.WaitForEndAsync(third.Client, id);
        Assert.Equal("discovered", capture.Frames.LastMethodEvent().Event);
        Assert.Equal(Enumerable.Range(0, 31), capture.Frames.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Equal(2, flaky.Loads);
        var run = await ServiceApi.PollAsync(third.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal(2, run.GetProperty("executions").GetInt32());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("waitReason").ValueKind);
    }

    private SdpoDbContext OpenDatabase() =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite($"Data Source={Path.Combine(_data.Path, "sdpo.db")}").Options);

    /// <summary>Fails its first <paramref name="failures"/> loads as a missing checkpoint would, then loads <paramref name="engine"/>.</summary>
    private sealed class FailingEngineFactory(int failures, IDiscoveryEngine? engine = null) : IEngineFactory
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public Task<IDiscoveryEngine> LoadAsync(ModelInfo model)
        {
            if (Interlocked.Increment(ref _loads) <= failures) throw new IOException("The checkpoint is missing.");
            return Task.FromResult(engine ?? throw new InvalidOperationException("no engine"));
        }
    }
}
