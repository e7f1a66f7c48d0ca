using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
        Assert.Equal("discovered", frames[^1].Event);

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
    public async Task A_run_that_cannot_resume_is_failed_with_the_reason()
    {
        Guid id;
        await using (var first = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask }))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);
        }

        await using var second = new ServiceHost(_data, new FakeDiscoveryEngine(), modelName: "another-model");
        var run = await ServiceApi.GetRunAsync(second.Client, id);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("no longer configured", run.GetProperty("failureReason").GetString());
        var capture = await ServiceApi.WaitForEndAsync(second.Client, id);
        Assert.Equal("failed", capture.Frames[^1].Event);
        Assert.True(run.GetProperty("attempts").GetInt32() >= 2, "attempts made before the restart are kept");
    }

    private SdpoDbContext OpenDatabase() =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite($"Data Source={Path.Combine(_data.Path, "sdpo.db")}").Options);
}
