using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>The database refusing writes for a while (a full disk, a lock held too long) loses nothing that was streamed,
/// and never gives one event id to two events.</summary>
public sealed class WriteFailureTests : IDisposable
{
    private const string LongRun = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 200, "attemptsPerStep": 4}, "seed": 3}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(13, "database or disk is full")]
    [InlineData(5, "database is locked")]
    public async Task Writes_that_fail_for_a_while_are_saved_in_order_once_the_database_takes_them_again(int sqliteError, string message)
    {
        var faults = new FailingSaves(sqliteError, message);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new FakeDiscoveryEngine
        {
            DiscoverAt = _ => 30,
            BeforeAttempt = index =>
            {
                if (index == 6) return proceed.Task;
                if (index == 30) lastAttempt.TrySetResult();
                return Task.CompletedTask;
            },
        };
        await using var host = new ServiceHost(_data, engine, services: faults.Register);
        var id = await ServiceApi.SubmitAsync(host.Client, LongRun);
        var stream = new StreamFollower(await SseClient.OpenAsync(host.Client, $"/solve/{id}/events"));
        await stream.WaitForAsync(frames => frames.Count(f => f.Event == "attempt") == 6);
        var savedBefore = stream.Frames.Count;

        // The disk fills while the run goes on to its discovery.
        faults.Failing = true;
        proceed.SetResult();
        await lastAttempt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var health = await PollHealthAsync(host.Client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Contains(message, health.GetProperty("writes").GetString());
        await Task.Delay(200);
        Assert.Equal("running", (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("status").GetString());
        // Nothing the database lacks is streamed: a client never holds an id that a restart could hand out again.
        Assert.Equal(savedBefore, stream.Frames.Count);
        Assert.True(faults.Refused >= 2, $"the writer retries (refused {faults.Refused} times)");

        faults.Failing = false;
        var live = await stream.WaitForEndAsync();
        Assert.Equal("discovered", live.LastMethodEvent().Event);
        Assert.Equal(Enumerable.Range(1, live.Count).Select(i => (long)i), live.Select(f => f.Id));
        Assert.Equal(Enumerable.Range(0, 31), live.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health")).StatusCode);

        await using var db = OpenDatabase();
        var run = await db.Runs.SingleAsync(r => r.Id == id);
        Assert.Equal(RunStatus.Discovered, run.Status);
        var events = await db.Events.Where(e => e.RunId == id).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(live.Select(f => (f.Id, f.Event, f.Data)), events.Select(e => (e.Sequence, e.Name, e.Payload)));
        Assert.Equal(Enumerable.Range(0, 31), (await db.Attempts.Where(a => a.RunId == id).Select(a => a.Index).ToListAsync()).Order());
        Assert.Equal(31, (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("attemptsToDiscovery").GetInt32());
    }

    [Fact]
    public async Task A_shutdown_while_writes_fail_never_gives_a_streamed_id_to_another_event()
    {
        Guid id;
        IReadOnlyList<SseFrame> beforeRestart;
        var faults = new FailingSaves(13, "database or disk is full");
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Attempts 6 to 9 and step 1 (whose state the engine saves) come while the disk is full; the run holds at
        // attempt 10 until the service stops, with the disk still full.
        var first = new FakeDiscoveryEngine
        {
            DiscoverAt = _ => 30,
            BeforeAttempt = index =>
            {
                if (index == 6) return proceed.Task;
                if (index != 10) return Task.CompletedTask;
                held.TrySetResult();
                return Task.Delay(Timeout.Infinite);
            },
        };
        await using (var host = new ServiceHost(_data, first, services: collection =>
                     {
                         faults.Register(collection);
                         collection.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
                     }))
        {
            id = await ServiceApi.SubmitAsync(host.Client, LongRun);
            var stream = new StreamFollower(await SseClient.OpenAsync(host.Client, $"/solve/{id}/events"));
            await stream.WaitForAsync(frames => frames.Count(f => f.Event == "attempt") == 6);
            faults.Failing = true;
            proceed.SetResult();
            await held.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await PollHealthAsync(host.Client, HttpStatusCode.ServiceUnavailable);
            await Task.Delay(200);
            beforeRestart = stream.Frames;
        }

        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => 30 };
        await using var second = new ServiceHost(_data, engine);
        var frames = (await ServiceApi.WaitForEndAsync(second.Client, id)).Frames;
        Assert.Equal("discovered", frames.LastMethodEvent().Event);
        Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => (long)i), frames.Select(f => f.Id));
        // Every id a client got before the restart still names the same event.
        Assert.Equal(beforeRestart.Select(f => (f.Id, f.Data)), frames.Take(beforeRestart.Count).Select(f => (f.Id, f.Data)));
        await using var db = OpenDatabase();
        var events = await db.Events.Where(e => e.RunId == id).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(frames.Select(f => (f.Id, f.Data)), events.Select(e => (e.Sequence, e.Payload)));
    }

    private static async Task<JsonElement> PollHealthAsync(HttpClient client, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await client.GetAsync("/health");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode == expected) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/health never answered {(int)expected}; last: {(int)response.StatusCode} {body}");
            await Task.Delay(20);
        }
    }

    private SdpoDbContext OpenDatabase() =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite($"Data Source={Path.Combine(_data.Path, "sdpo.db")}").Options);

    /// <summary>Makes every save fail, as SQLite does when its disk is full or its lock is held too long, while <see cref="Failing"/> is set.</summary>
    private sealed class FailingSaves(int sqliteError, string message) : SaveChangesInterceptor
    {
        private int _refused;

        public volatile bool Failing;

        public int Refused => Volatile.Read(ref _refused);

        public void Register(IServiceCollection services) => services.ConfigureDbContext<SdpoDbContext>(options => options.AddInterceptors(this));

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (!Failing) return ValueTask.FromResult(result);
            Interlocked.Increment(ref _refused);
            throw new DbUpdateException("An error occurred while saving the entity changes.", new SqliteException($"SQLite Error {sqliteError}: '{message}'.", sqliteError));
        }
    }

    /// <summary>Reads a run's event stream in the background, keeping every frame it delivers.</summary>
    private sealed class StreamFollower
    {
        private readonly List<SseFrame> _frames = [];
        private readonly Task _reading;

        public StreamFollower(HttpResponseMessage response)
        {
            response.EnsureSuccessStatusCode();
            _reading = Task.Run(async () =>
            {
                await using var body = await response.Content.ReadAsStreamAsync();
                await foreach (var item in SseParser.Create(body).EnumerateAsync())
                {
                    if (item.EventId is null) continue;
                    lock (_frames) _frames.Add(new SseFrame(long.Parse(item.EventId, CultureInfo.InvariantCulture), item.EventType, item.Data));
                }
            });
        }

        public IReadOnlyList<SseFrame> Frames
        {
            get { lock (_frames) return _frames.ToList(); }
        }

        public async Task WaitForAsync(Func<IReadOnlyList<SseFrame>, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!condition(Frames))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"received: {string.Join(", ", Frames.Select(f => $"{f.Id}:{f.Event}"))}");
                await Task.Delay(10);
            }
        }

        public async Task<IReadOnlyList<SseFrame>> WaitForEndAsync()
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(20));
            return Frames;
        }
    }
}
