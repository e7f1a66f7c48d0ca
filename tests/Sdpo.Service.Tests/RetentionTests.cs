using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>Deleting ended runs and benchmarks, by DELETE or by the retention setting.</summary>
public sealed class RetentionTests : IDisposable
{
    private const string CompareRequest =
        """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "compareWith": ["best-of-k"], "budget": {"maxAttempts": 16, "attemptsPerStep": 4}}""";
    private const string LongRun = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 10000}}""";
    private static readonly Dictionary<string, string> FastCoordinator = new() { ["Benchmarks:PollMilliseconds"] = "20" };

    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_folder_a_deletion_cut_short_left_is_removed_at_the_next_start_before_runs_resume_and_logged()
    {
        Guid id, queued;
        var blocker = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 1 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var first = new ServiceHost(_data, blocker))
        {
            id = await ServiceApi.SubmitAsync(first.Client, LongRun);
            await ServiceApi.PollAsync(first.Client, id, r => r.GetProperty("attempts").GetInt32() >= 1);
            queued = await ServiceApi.SubmitAsync(first.Client, LongRun);
        }
        // As a kill between a deletion's rows and its folder leaves it: the folder of a run with no record.
        var orphan = Guid.CreateVersion7();
        var adapter = Directory.CreateDirectory(Path.Combine(RunFolder(orphan), "state", "adapter")).FullName;
        await File.WriteAllTextAsync(Path.Combine(adapter, "adapter_model.safetensors"), "weights");
        var notARun = Directory.CreateDirectory(Path.Combine(_data.Path, "runs", "notes")).FullName;
        Assert.True(Directory.Exists(RunFolder(id)));

        var logs = new CapturingLoggerProvider();
        await using var second = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 2 },
            new Dictionary<string, string> { ["Logging:LogLevel:Sdpo.Service.Execution.OrphanRunFolders"] = "Information" },
            services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        foreach (var run in new[] { id, queued }) await ServiceApi.PollAsync(second.Client, run, r => r.GetProperty("status").GetString() == "discovered");

        Assert.False(Directory.Exists(RunFolder(orphan)));
        Assert.Contains(logs.Messages, m => m.Contains(orphan.ToString()) && m.Contains("has no record"));
        // The runs it resumed, the one that had not started included, keep theirs; what is not a run's is not touched.
        Assert.True(Directory.Exists(RunFolder(id)));
        Assert.True(Directory.Exists(RunFolder(queued)));
        Assert.True(Directory.Exists(notARun));
    }

    [Fact]
    public async Task Run_folders_beside_a_database_without_any_run_are_left_alone()
    {
        // A database lost or replaced rather than deletions all cut short: nothing is removed on a guess.
        var folder = Directory.CreateDirectory(Path.Combine(RunFolder(Guid.CreateVersion7()), "state")).FullName;
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/solve")).StatusCode);
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_cancel_that_finds_the_run_ended_deletes_nothing_and_answers_its_outcome()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 6 });
        var id = await ServiceApi.SubmitAsync(host.Client, CompareRequest);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");

        // As a cancel sent when the run was last seen running lands after its natural end, twice (a retry).
        foreach (var _ in new[] { 1, 2 })
        {
            var cancel = await host.Client.DeleteAsync($"/solve/{id}");
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            var body = await cancel.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("discovered", $"/solve/{id}", $"/solve/{id}/events"),
                (body.GetProperty("status").GetString(), body.GetProperty("url").GetString(), body.GetProperty("eventsUrl").GetString()));
        }
        Assert.Equal("discovered", (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}/adapter")).StatusCode);
        Assert.True(Directory.Exists(RunFolder(id)));

        var bad = await host.Client.DeleteAsync($"/solve/{id}?purge=yes");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("purge must be true or false", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.DeleteAsync($"/solve/{id}?purge=false")).StatusCode);
        Assert.True(Directory.Exists(RunFolder(id)));
    }

    [Fact]
    public async Task Purge_of_an_ended_run_removes_its_records_and_folder_and_its_urls_answer_404()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 6 });
        var id = await ServiceApi.SubmitAsync(host.Client, CompareRequest);
        var kept = await ServiceApi.SubmitAsync(host.Client, CompareRequest);
        foreach (var run in new[] { id, kept }) await ServiceApi.PollAsync(host.Client, run, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}/adapter")).StatusCode);
        Assert.True(Directory.Exists(RunFolder(id)));

        var delete = await host.Client.DeleteAsync($"/solve/{id}?purge=true");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        Assert.False(Directory.Exists(RunFolder(id)));
        foreach (var url in new[] { $"/solve/{id}", $"/solve/{id}/events", $"/solve/{id}/attempts", $"/solve/{id}/adapter" })
        {
            var response = await host.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
        await using (var db = OpenDatabase())
        {
            Assert.Equal(0, await db.Attempts.CountAsync(a => a.RunId == id));
            Assert.Equal(0, await db.Events.CountAsync(e => e.RunId == id));
            Assert.Equal(0, await db.Steps.CountAsync(s => s.RunId == id));
            Assert.Equal(0, await db.RunMethods.CountAsync(m => m.RunId == id));
            Assert.True(await db.Attempts.AnyAsync(a => a.RunId == kept), "the other run keeps its records");
        }
        Assert.True(Directory.Exists(RunFolder(kept)));
        var list = await host.Client.GetFromJsonAsync<JsonElement>("/solve");
        Assert.Equal([kept], list.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Delete_cancels_a_running_run_a_retried_cancel_keeps_it_and_purge_deletes_it_once_it_has_ended()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(20) });
        var id = await ServiceApi.SubmitAsync(host.Client, LongRun);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("attempts").GetInt32() >= 2);

        // Purging is for ended runs: it neither cancels nor deletes a running one.
        var early = await host.Client.DeleteAsync($"/solve/{id}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("cancel it first", (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal("running", (await ServiceApi.GetRunAsync(host.Client, id)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/solve/{id}")).StatusCode);
        await ServiceApi.WaitForEndAsync(host.Client, id);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "cancelled");
        // A retried cancel (a client or proxy repeating the DELETE) finds it ended: it answers its outcome and deletes nothing.
        var retried = await host.Client.DeleteAsync($"/solve/{id}");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("cancelled", (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}")).StatusCode);
        // Its stream has ended, so its last write is saved: nothing writes the run any more.
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{id}")).StatusCode);
    }

    [Fact]
    public async Task An_ended_run_whose_writes_are_not_all_saved_or_that_a_worker_holds_is_not_deleted()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 2 });
        var id = await ServiceApi.SubmitAsync(host.Client);
        await ServiceApi.WaitForEndAsync(host.Client, id);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        var hub = host.Services.GetRequiredService<RunEventHub>();
        var control = host.Services.GetRequiredService<RunControl>();

        // As between the save of its final status and the end of its streams: the writer is not done with it.
        hub.Activate(id);
        var refused = await host.Client.DeleteAsync($"/solve/{id}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("still being saved", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        hub.Complete(id);

        // As between that save and its worker letting go of it.
        control.Register(id);
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
        control.Remove(id);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/solve/{id}?purge=true")).StatusCode);
    }

    [Fact]
    public async Task Delete_on_a_run_a_shutdown_interrupted_says_it_resumes_at_the_next_start_and_to_cancel_it_then()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 2 });
        var id = await ServiceApi.SubmitAsync(host.Client);
        await ServiceApi.WaitForEndAsync(host.Client, id);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        // As the service's shutdown leaves a run it stopped, while the stopping process still answers: interrupted, held
        // by no worker, its streams ended. Nothing in this process runs it again; the next start resumes it.
        await using (var db = OpenDatabase())
            await db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, RunStatus.Interrupted));

        var refused = await host.Client.DeleteAsync($"/solve/{id}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("resumes when the service starts again", detail);
        Assert.Contains($"cancel it once the service is back (DELETE /solve/{id})", detail);
        Assert.DoesNotContain("still being saved", detail);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{id}")).StatusCode);
        Assert.True(Directory.Exists(RunFolder(id)));
    }

    [Fact]
    public async Task Delete_on_an_ended_benchmark_with_an_interrupted_run_names_it_and_says_it_resumes_at_the_next_start()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 1 }, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client,
            $$"""{"problems": [{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}], "methods": ["sdpo", "best-of-k"], "seeds": 1, "budget": {"maxAttempts": 4, "attemptsPerStep": 2} }""");
        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        var runs = capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
        // As a shutdown leaves a run that a benchmark which had already ended (failed, say) left going.
        await using (var db = OpenDatabase())
            await db.Runs.Where(r => r.Id == runs[0]).ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, RunStatus.Interrupted));

        var refused = await host.Client.DeleteAsync($"/benchmarks/{id}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains($"1 of its runs ({runs[0]}) have not ended", detail);
        Assert.Contains("were stopped by the service's shutdown and resume when it starts again: cancel them once it is back", detail);
        Assert.DoesNotContain("saving their outcome", detail);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/benchmarks/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_benchmarks_run_is_deleted_only_with_its_ended_benchmark()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 1 }, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client,
            $$"""{"problems": [{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}], "methods": ["sdpo", "best-of-k"], "seeds": 1, "budget": {"maxAttempts": 4, "attemptsPerStep": 2} }""");
        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("completed", capture.Frames[^1].Event);
        var runs = capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
        Assert.Equal(2, runs.Count);
        var standalone = await ServiceApi.SubmitAsync(host.Client);
        await ServiceApi.PollAsync(host.Client, standalone, r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);

        var alone = await host.Client.DeleteAsync($"/solve/{runs[0]}?purge=true");
        Assert.Equal(HttpStatusCode.Conflict, alone.StatusCode);
        Assert.Equal("application/problem+json", alone.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"DELETE /benchmarks/{id}", (await alone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{runs[0]}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/benchmarks/{id}?purge=true")).StatusCode);
        foreach (var url in new[] { $"/benchmarks/{id}", $"/benchmarks/{id}/events", $"/benchmarks/{id}/plot.svg" })
            Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync(url)).StatusCode);
        foreach (var run in runs)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{run}")).StatusCode);
            Assert.False(Directory.Exists(RunFolder(run)));
        }
        await using (var db = OpenDatabase())
        {
            Assert.Equal(0, await db.BenchmarkRuns.CountAsync(r => r.BenchmarkId == id));
            Assert.Equal(0, await db.BenchmarkEvents.CountAsync(e => e.BenchmarkId == id));
            Assert.Equal(0, await db.BenchmarkProblems.CountAsync(p => p.BenchmarkId == id));
            Assert.Equal(0, await db.Attempts.CountAsync(a => runs.Contains(a.RunId)));
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{standalone}")).StatusCode);
    }

    [Fact]
    public async Task A_benchmark_event_stream_of_a_benchmark_not_in_the_database_ends_at_once()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine(), FastCoordinator);
        var stream = host.Services.GetRequiredService<BenchmarkEventStream>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // A deleted benchmark reads as an unknown one: no events, and the reader stops rather than waiting for more.
        var events = 0;
        await foreach (var _ in stream.ReadAsync(Guid.NewGuid(), 0, timeout.Token)) events++;
        Assert.Equal(0, events);
    }

    [Fact]
    public async Task Retention_deletes_what_ended_before_its_period_and_keeps_the_rest()
    {
        var engine = new FakeDiscoveryEngine
        {
            DiscoverAtFor = request => request.Problem.Prompt.Contains("22") ? 1 : null,
            BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask,
        };
        var settings = new Dictionary<string, string>(FastCoordinator) { ["Service:RunsPerDevice"] = "4" };
        await using var host = new ServiceHost(_data, engine, settings);
        var ended = await ServiceApi.SubmitAsync(host.Client);
        var running = await ServiceApi.SubmitAsync(host.Client, LongRun.Replace("22", "23"));
        await ServiceApi.PollAsync(host.Client, ended, r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);
        await ServiceApi.PollAsync(host.Client, running, r => r.GetProperty("attempts").GetInt32() >= 2);
        // A benchmark still running, one of whose runs has ended: neither goes while the benchmark runs.
        var benchmark = await BenchmarkApi.SubmitAsync(host.Client,
            $$"""{"problems": [{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}, {{BenchmarkApi.Arithmetic(23, "3, 5, 7")}}], "methods": ["best-of-k"], "seeds": 1, "budget": {"maxAttempts": 64} }""");
        var benchmarkRuns = await SubmittedRunsAsync(host.Client, benchmark, 2);
        await ServiceApi.PollAsync(host.Client, benchmarkRuns[0], r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);

        var retention = ActivatorUtilities.CreateInstance<EndedRunRetention>(host.Services);
        await retention.DeleteEndedBeforeAsync(DateTimeOffset.UtcNow - TimeSpan.FromHours(1), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{ended}")).StatusCode);

        await retention.DeleteEndedBeforeAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{ended}")).StatusCode);
        Assert.False(Directory.Exists(RunFolder(ended)));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{running}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{benchmarkRuns[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/benchmarks/{benchmark}")).StatusCode);

        // Once the benchmark has ended, it goes with its runs.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{benchmark}")).StatusCode);
        Assert.Equal("cancelled", (await BenchmarkApi.WaitForEndAsync(host.Client, benchmark)).Frames[^1].Event);
        await retention.DeleteEndedBeforeAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/benchmarks/{benchmark}")).StatusCode);
        foreach (var run in benchmarkRuns) Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{run}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/solve/{running}")).StatusCode);
    }

    [Fact]
    public async Task The_retention_setting_deletes_ended_runs_in_the_background()
    {
        // 0.00002 days: 1.7 s, looked at every second.
        var settings = new Dictionary<string, string> { ["Service:RetainEndedRunsDays"] = "0.00002" };
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 1 }, settings);
        var id = await ServiceApi.SubmitAsync(host.Client);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("finishedAt").ValueKind != JsonValueKind.Null);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await host.Client.GetAsync($"/solve/{id}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the ended run was not deleted within 15 s");
            await Task.Delay(100);
        }
        Assert.False(Directory.Exists(RunFolder(id)));
    }

    private static async Task<List<Guid>> SubmittedRunsAsync(HttpClient client, Guid id, int count)
    {
        using var stream = await SseClient.OpenAsync(client, $"/benchmarks/{id}/events");
        var capture = await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "submitted") >= count);
        return capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
    }

    private string RunFolder(Guid id) => Path.Combine(_data.Path, "runs", id.ToString("D"));

    private SdpoDbContext OpenDatabase() =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite($"Data Source={Path.Combine(_data.Path, "sdpo.db")}").Options);
}
