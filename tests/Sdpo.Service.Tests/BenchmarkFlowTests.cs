using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Metrics;
using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class BenchmarkFlowTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private static readonly Dictionary<string, string> FastCoordinator = new() { ["Benchmarks:PollMilliseconds"] = "20" };

    /// <summary>sdpo passes at attempt 2 with seed 1 and 4 with seed 2; best-of-k at 6 with seed 1 and never with seed 2.</summary>
    private static FakeDiscoveryEngine SeededEngine(TimeSpan? delay = null, Func<int, Task>? beforeAttempt = null) => new()
    {
        AttemptDelay = delay ?? TimeSpan.FromMilliseconds(1),
        BeforeAttempt = beforeAttempt,
        DiscoverAtFor = request => (request.Method, request.Seed) switch
        {
            (DiscoveryMethod.Sdpo, 1) => 1,
            (DiscoveryMethod.Sdpo, _) => 3,
            (DiscoveryMethod.BestOfK, 1) => 5,
            _ => null,
        },
    };

    private static string TwoProblems(string extra = "") =>
        $$"""{"name": "tiny", "problems": [{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}, {{BenchmarkApi.Arithmetic(24, "4, 6, 1")}}], "methods": ["sdpo", "best-of-k"], "seeds": 2, "budget": {"maxAttempts": 8, "attemptsPerStep": 4}{{extra}}}""";

    [Fact]
    public async Task A_benchmark_that_asks_for_it_measures_the_teacher_advantage_on_its_problems_before_it_completes()
    {
        // Nothing is ever discovered; the attempts alternate between two wrong answers to 3 5 7 -> 22 (15 and 105).
        var engine = new FakeDiscoveryEngine { AttemptDelay = TimeSpan.FromMilliseconds(1), DiscoverAt = _ => null, AttemptText = (_, index) => index % 2 == 0 ? "3+5+7" : "3*5*7" };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, $$$"""
            {"problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}, {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}}],
             "methods": ["best-of-k"], "budget": {"maxAttempts": 8, "attemptsPerStep": 4}, "measureTeacherAdvantage": true}
            """);
        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        var names = capture.Frames.Select(f => f.Event).ToList();
        Assert.Equal(["teacher-advantage", "completed"], names.TakeLast(2));

        // The arithmetic problem: its two distinct first-step failures, each against the passing answer nearest to it. The
        // fake engine gives +1 nat where the feedback says "less" (15 is 7 less than 22) and -1 otherwise (105 is 83 more).
        var gate = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("teacherAdvantage");
        Assert.Equal(2, gate.GetProperty("cases").GetInt32());
        Assert.Equal(0.0, gate.GetProperty("meanNats").GetDouble(), 9);
        Assert.Equal(0.5, gate.GetProperty("positiveShare").GetDouble(), 9);
        var arithmetic = gate.GetProperty("problems")[0];
        Assert.Equal((2, 0.0), (arithmetic.GetProperty("cases").GetInt32(), arithmetic.GetProperty("meanNats").GetDouble()));
        var verifier = new Sdpo.Verifiers.Arithmetic.ArithmeticVerifier([3, 5, 7], 22);
        Assert.Equal(2, engine.AdvantageCalls.Count);
        Assert.All(engine.AdvantageCalls, call => Assert.True(verifier.Check(call.Answer).Passed, call.Answer));
        Assert.Equal(["3+5+7", "3*5*7"], engine.AdvantageCalls.Select(call => call.Feedback.Contains("less") ? "3+5+7" : "3*5*7"));

        // The exact-answer problem: no run found its answer and its verifier cannot, so there is nothing to score against.
        var exact = gate.GetProperty("problems")[1];
        Assert.Equal(JsonValueKind.Null, exact.GetProperty("meanNats").ValueKind);
        Assert.Contains("No passing answer is known", exact.GetProperty("note").GetString());
    }

    [Fact]
    public async Task A_tiny_benchmark_runs_through_the_queue_streams_progress_and_reports_curves_rows_and_plots()
    {
        await using var host = new ServiceHost(_data, SeededEngine(), FastCoordinator);
        var response = await host.Client.PostAsync("/benchmarks", ServiceApi.Json(TwoProblems()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal(2, accepted.GetProperty("problems").GetInt32());
        Assert.Equal($"/benchmarks/{id}", response.Headers.Location?.OriginalString);

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.True(capture.Ended);
        var names = capture.Frames.Select(f => f.Event).ToList();
        Assert.Equal("queued", names[0]);
        Assert.Equal("phase", names[1]);
        Assert.Equal("running", capture.Frames[1].Json.GetProperty("phase").GetString());
        Assert.Equal(8, capture.Frames[1].Json.GetProperty("runs").GetInt32());
        Assert.Equal(8, names.Count(n => n == "submitted"));
        Assert.Equal(8, names.Count(n => n == "run"));
        Assert.Equal("completed", names[^1]);
        Assert.Equal(Enumerable.Range(1, capture.Frames.Count).Select(i => (long)i), capture.Frames.Select(f => f.Id));
        var lastRun = capture.Frames.Last(f => f.Event == "run").Json.GetProperty("progress");
        Assert.Equal((8, 8, 6), (lastRun.GetProperty("runsFinished").GetInt32(), lastRun.GetProperty("runsPlanned").GetInt32(), lastRun.GetProperty("discoveries").GetInt32()));
        Assert.Equal(3.0, capture.Frames[^1].Json.GetProperty("attemptsRatio").GetDouble());

        // Every run went through the ordinary queue and is a run of its own.
        var runId = capture.Frames.First(f => f.Event == "submitted").Json.GetProperty("runId").GetGuid();
        var run = await ServiceApi.GetRunAsync(host.Client, runId);
        Assert.Equal(8, run.GetProperty("configuration").GetProperty("budget").GetProperty("maxAttempts").GetInt32());

        var benchmark = await BenchmarkApi.GetAsync(host.Client, id);
        Assert.Equal("completed", benchmark.GetProperty("status").GetString());
        Assert.True(benchmark.GetProperty("resultsFinal").GetBoolean());
        Assert.Equal(JsonValueKind.Null, benchmark.GetProperty("teacherAdvantage").ValueKind); // not asked for
        Assert.Empty(host.Engine!.AdvantageCalls);
        var progress = benchmark.GetProperty("progress");
        Assert.Equal((8, 8, 2), (progress.GetProperty("runsEnded").GetInt32(), progress.GetProperty("runsPlanned").GetInt32(), progress.GetProperty("selected").GetInt32()));
        // Attempts: sdpo 2+2+4+4, best-of-k 6+6+8+8.
        Assert.Equal(40, progress.GetProperty("attempts").GetInt64());

        var results = benchmark.GetProperty("results");
        Assert.Equal([1, 2, 4, 8], results.GetProperty("ks").EnumerateArray().Select(k => k.GetInt32()));
        var methods = results.GetProperty("methods");
        Assert.Equal("sdpo", methods[0].GetProperty("method").GetString());
        Assert.Equal([0.0, 0.5, 1.0, 1.0], methods[0].GetProperty("curve").EnumerateArray().Select(p => p.GetProperty("estimate").GetDouble()));
        Assert.Equal([0.0, 0.0, 0.0, 0.5], methods[1].GetProperty("curve").EnumerateArray().Select(p => p.GetProperty("estimate").GetDouble()));
        foreach (var point in methods.EnumerateArray().SelectMany(m => m.GetProperty("curve").EnumerateArray()))
            Assert.InRange(point.GetProperty("estimate").GetDouble(), point.GetProperty("lower").GetDouble(), point.GetProperty("upper").GetDouble());
        Assert.Equal(3.0, methods[0].GetProperty("meanAttemptsToDiscovery").GetDouble());
        Assert.Equal(6.0, methods[1].GetProperty("meanAttemptsToDiscovery").GetDouble());
        // Each run's own wall time (start on the device to end) is kept, so the report gives time per attempt and to discovery.
        foreach (var method in methods.EnumerateArray())
        {
            Assert.True(method.GetProperty("secondsPerAttempt").GetDouble() >= 0);
            Assert.True(method.GetProperty("meanSecondsToDiscovery").GetDouble() >= 0);
        }
        var ratio = results.GetProperty("attemptsRatios")[0];
        Assert.Equal(("sdpo", "best-of-k", 0.5, 6, 2, 3.0), (ratio.GetProperty("method").GetString(), ratio.GetProperty("baseline").GetString(),
            ratio.GetProperty("level").GetDouble(), ratio.GetProperty("baselineAttempts").GetInt32(), ratio.GetProperty("methodAttempts").GetInt32(), ratio.GetProperty("ratio").GetDouble()));
        // The attempts to the level in wall time: each method's attempts times its seconds per attempt.
        var (methodSeconds, baselineSeconds) = (ratio.GetProperty("methodSeconds").GetDouble(), ratio.GetProperty("baselineSeconds").GetDouble());
        Assert.Equal(2 * methods[0].GetProperty("secondsPerAttempt").GetDouble(), methodSeconds, 9);
        Assert.Equal(6 * methods[1].GetProperty("secondsPerAttempt").GetDouble(), baselineSeconds, 9);
        if (methodSeconds > 0) Assert.Equal(baselineSeconds / methodSeconds, ratio.GetProperty("wallTimeRatio").GetDouble(), 9);
        Assert.Equal(ratio.GetProperty("wallTimeRatio").GetRawText(), capture.Frames[^1].Json.GetProperty("wallTimeRatio").GetRawText());

        var rows = results.GetProperty("problems");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.Equal("3 5 7 -> 22", rows[0].GetProperty("label").GetString());
        var bestOfK = rows[1].GetProperty("methods")[1];
        Assert.Equal(("best-of-k", 2, 1, 0.5), (bestOfK.GetProperty("method").GetString(), bestOfK.GetProperty("runs").GetInt32(),
            bestOfK.GetProperty("discoveries").GetInt32(), bestOfK.GetProperty("discoveryRate").GetDouble()));
        Assert.Equal([6, 0], bestOfK.GetProperty("seeds").EnumerateArray().Select(s => s.GetProperty("attemptsToDiscovery").ValueKind == JsonValueKind.Null ? 0 : s.GetProperty("attemptsToDiscovery").GetInt32()));

        // The results deserialize into the shared report type.
        var report = results.Deserialize<BenchmarkReport>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(8, report.Budget);

        var svgResponse = await host.Client.GetAsync($"/benchmarks/{id}/plot.svg");
        Assert.Equal(HttpStatusCode.OK, svgResponse.StatusCode);
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType?.MediaType);
        var svg = XDocument.Parse(await svgResponse.Content.ReadAsStringAsync());
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Contains("sdpo", svg.ToString());
        Assert.Contains("best-of-k", svg.ToString());

        var pngResponse = await host.Client.GetAsync($"/benchmarks/{id}/plot.png");
        Assert.Equal(HttpStatusCode.OK, pngResponse.StatusCode);
        Assert.Equal("image/png", pngResponse.Content.Headers.ContentType?.MediaType);
        var png = await pngResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(800, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.True(png.Length > 5000, $"a PNG of {png.Length} bytes has no room for curves");

        // Replay after a given event: exactly the rest.
        var replay = await BenchmarkApi.WaitForEndAsync(host.Client, id, lastEventId: 3);
        Assert.Equal(capture.Frames.Skip(3).Select(f => (f.Id, f.Event, f.Data)), replay.Frames.Select(f => (f.Id, f.Event, f.Data)));
    }

    [Fact]
    public async Task Hard_selection_samples_without_stopping_at_the_first_pass_and_keeps_problems_below_the_threshold()
    {
        // Target 101 passes at once (pass@4 = 1: dropped); 202 never (0: kept); 303 at the third attempt of every run:
        // 8 samples as runs of 3, 3 and 2 attempts give 2 passes, pass@4 = 1 - C(6,4)/C(8,4) = 1 - 15/70 (kept below 0.8).
        var engine = new FakeDiscoveryEngine
        {
            AttemptDelay = TimeSpan.FromMilliseconds(1),
            DiscoverAtFor = request => request.Method != DiscoveryMethod.BestOfK ? 0
                : request.Problem.Prompt.Contains("101") ? 0
                : request.Problem.Prompt.Contains("303") ? 2
                : null,
        };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client,
            $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(101)}}}, {{{BenchmarkApi.Arithmetic(202)}}}, {{{BenchmarkApi.Arithmetic(303)}}}], "methods": ["sdpo"], "budget": {"maxAttempts": 4, "attemptsPerStep": 4}, "selectHard": {"threshold": 0.8, "samples": 8, "k": 4}}""");

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("completed", capture.Frames[^1].Event);
        Assert.Equal("screening", capture.Frames.First(f => f.Event == "phase").Json.GetProperty("phase").GetString());
        var screened = capture.Frames.Where(f => f.Event == "screened").Select(f => f.Json).OrderBy(j => j.GetProperty("problem").GetInt32()).ToList();
        Assert.Equal([false, true, true], screened.Select(s => s.GetProperty("selected").GetBoolean()));
        Assert.Equal([8, 0, 2], screened.Select(s => s.GetProperty("passes").GetInt32()));
        Assert.All(screened, s => Assert.Equal(8, s.GetProperty("samples").GetInt32()));
        Assert.Equal(1 - 15 / 70.0, screened[2].GetProperty("passAtK").GetDouble(), 12);
        // Sampling runs: 8 of one attempt, 1 of eight, 3 (3 + 3 + 2 attempts) for the last.
        var segments = capture.Frames.Where(f => f.Event == "submitted" && f.Json.GetProperty("purpose").GetString() == "screen").Select(f => f.Json).ToList();
        Assert.Equal([8, 1, 3], Enumerable.Range(0, 3).Select(p => segments.Count(s => s.GetProperty("problem").GetInt32() == p)));
        Assert.All(segments, s => Assert.Equal("best-of-k", s.GetProperty("method").GetString()));
        Assert.Equal(segments.Count, segments.Select(s => (s.GetProperty("problem").GetInt32(), s.GetProperty("seed").GetInt64())).Distinct().Count());
        Assert.Equal(["running"], capture.Frames.Where(f => f.Event == "phase").Skip(1).Select(f => f.Json.GetProperty("phase").GetString()));

        var benchmark = await BenchmarkApi.GetAsync(host.Client, id);
        var problems = benchmark.GetProperty("problems");
        Assert.Equal(1.0, problems[0].GetProperty("basePassAtK").GetDouble());
        Assert.Equal(0.0, problems[1].GetProperty("basePassAtK").GetDouble());
        var rows = benchmark.GetProperty("results").GetProperty("problems");
        Assert.Equal(["1", "2"], rows.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(0.0, rows[0].GetProperty("basePassAtK").GetDouble());
        Assert.Equal((3, 3, 2), (benchmark.GetProperty("progress").GetProperty("candidates").GetInt32(),
            benchmark.GetProperty("progress").GetProperty("screened").GetInt32(), benchmark.GetProperty("progress").GetProperty("selected").GetInt32()));
    }

    [Fact]
    public async Task Problems_upload_as_multipart_or_ndjson_and_suites_draw_the_same_problems_for_a_seed()
    {
        await using var host = new ServiceHost(_data, SeededEngine(TimeSpan.FromMilliseconds(20)), FastCoordinator);
        var lines = BenchmarkApi.Arithmetic(22, "3, 5, 7") + "\n\n" + BenchmarkApi.Arithmetic(24, "4, 6, 1") + "\n";

        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"methods": ["best-of-k"], "budget": {"maxAttempts": 4}}"""), "request" },
            { new StringContent(lines), "problems", "problems.jsonl" },
        };
        var multipart = await host.Client.PostAsync("/benchmarks", form);
        Assert.Equal(HttpStatusCode.Accepted, multipart.StatusCode);
        var multipartId = JsonDocument.Parse(await multipart.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var fromForm = await BenchmarkApi.GetAsync(host.Client, multipartId);
        Assert.Equal(["3 5 7 -> 22", "4 6 1 -> 24"], fromForm.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("label").GetString()));
        Assert.Equal(["best-of-k"], fromForm.GetProperty("configuration").GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        var ndjson = await host.Client.PostAsync("/benchmarks?methods=sdpo,best-of-k&seeds=2&maxAttempts=4&name=upload&constrained=true&distinctAttempts=true&distinctEquivalence=true&measureTeacherAdvantage=true",
            new StringContent(lines, System.Text.Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Accepted, ndjson.StatusCode);
        var fromBody = await BenchmarkApi.GetAsync(host.Client, JsonDocument.Parse(await ndjson.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
        Assert.Equal("upload", fromBody.GetProperty("name").GetString());
        Assert.Equal(2, fromBody.GetProperty("configuration").GetProperty("seeds").GetInt32());
        Assert.Equal(4, fromBody.GetProperty("configuration").GetProperty("budget").GetProperty("maxAttempts").GetInt32());
        Assert.True(fromBody.GetProperty("configuration").GetProperty("sampling").GetProperty("constrained").GetBoolean());
        Assert.True(fromBody.GetProperty("configuration").GetProperty("sampling").GetProperty("distinctAttempts").GetBoolean());
        Assert.True(fromBody.GetProperty("configuration").GetProperty("sampling").GetProperty("distinctEquivalence").GetBoolean());
        Assert.True(fromBody.GetProperty("configuration").GetProperty("measureTeacherAdvantage").GetBoolean());
        Assert.False(fromForm.GetProperty("configuration").GetProperty("measureTeacherAdvantage").GetBoolean());
        Assert.Equal(2, fromBody.GetProperty("problems").GetArrayLength());

        const string suite = """{"suite": {"name": "arithmetic-easy", "count": 3, "seed": 7}, "budget": {"maxAttempts": 4}}""";
        var first = await BenchmarkApi.GetAsync(host.Client, await BenchmarkApi.SubmitAsync(host.Client, suite));
        var second = await BenchmarkApi.GetAsync(host.Client, await BenchmarkApi.SubmitAsync(host.Client, suite));
        Assert.Equal("arithmetic-easy", first.GetProperty("name").GetString());
        Assert.Equal(3, first.GetProperty("problems").GetArrayLength());
        static IEnumerable<string> Specs(JsonElement benchmark) =>
            benchmark.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("label").GetString() + " " + p.GetProperty("spec"));
        Assert.Equal(Specs(first), Specs(second));
        Assert.Equal("arithmetic", first.GetProperty("problems")[0].GetProperty("spec").GetProperty("kind").GetString());

        var list = JsonDocument.Parse(await host.Client.GetStringAsync("/benchmarks")).RootElement;
        Assert.Equal(4, list.GetProperty("total").GetInt32());
        Assert.Equal(4, list.GetProperty("items").GetArrayLength());
    }

    /// <summary>Submits <see cref="TwoProblems"/> to a service that stops once two of its runs have ended.</summary>
    private async Task<Guid> SubmitAndStopAfterTwoRunsAsync()
    {
        await using var first = new ServiceHost(_data, SeededEngine(TimeSpan.FromMilliseconds(15)), FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(first.Client, TwoProblems());
        using var stream = await SseClient.OpenAsync(first.Client, $"/benchmarks/{id}/events");
        await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "run") >= 2);
        return id;
    }

    [Fact]
    public async Task A_benchmark_interrupted_by_a_shutdown_carries_on_at_the_next_start()
    {
        var id = await SubmitAndStopAfterTwoRunsAsync();

        await using var second = new ServiceHost(_data, SeededEngine(), FastCoordinator);
        var capture = await BenchmarkApi.WaitForEndAsync(second.Client, id);
        Assert.Equal("completed", capture.Frames[^1].Event);
        Assert.Equal(Enumerable.Range(1, capture.Frames.Count).Select(i => (long)i), capture.Frames.Select(f => f.Id));
        // Each planned run was submitted once and ended once, across both processes.
        var submitted = capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
        Assert.Equal(8, submitted.Distinct().Count());
        Assert.Equal(submitted.Order(), capture.Frames.Where(f => f.Event == "run").Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        var results = (await BenchmarkApi.GetAsync(second.Client, id)).GetProperty("results");
        Assert.Equal(3.0, results.GetProperty("attemptsRatios")[0].GetProperty("ratio").GetDouble());
    }

    [Fact]
    public async Task A_benchmark_whose_model_is_not_configured_at_a_start_waits_for_it_instead_of_failing()
    {
        var id = await SubmitAndStopAfterTwoRunsAsync();
        // A typo in the model's name at the next start: the benchmark was failed for good.
        var log = new LogCapture();
        await using (var mistaken = new ServiceHost(_data, SeededEngine(), FastCoordinator, modelName: "fake-modle", services: s => s.AddSingleton<ILoggerProvider>(log)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!log.Messages(LogLevel.Warning).Any(m => m.Contains($"Benchmark {id} waits")) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Contains(log.Messages(LogLevel.Warning), m => m.Contains($"Benchmark {id} waits") && m.Contains("fake-model"));
            var waiting = await BenchmarkApi.GetAsync(mistaken.Client, id);
            Assert.NotEqual("failed", waiting.GetProperty("status").GetString());
            // Said to a client too, as a waiting run's failureReason says it.
            Assert.Contains("Waiting for model 'fake-model', which is not configured", waiting.GetProperty("failureReason").GetString());
        }

        // The model back: the reason goes as the benchmark carries on, not only once it has ended.
        var carryOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var second = new ServiceHost(_data, SeededEngine(beforeAttempt: _ => carryOn.Task), FastCoordinator);
        var until = DateTime.UtcNow.AddSeconds(20);
        JsonElement carrying;
        while ((carrying = await BenchmarkApi.GetAsync(second.Client, id)).GetProperty("failureReason").ValueKind != JsonValueKind.Null && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.Equal(JsonValueKind.Null, carrying.GetProperty("failureReason").ValueKind);
        Assert.Equal("running", carrying.GetProperty("status").GetString());
        carryOn.SetResult();
        var capture = await BenchmarkApi.WaitForEndAsync(second.Client, id);
        Assert.Equal("completed", capture.Frames[^1].Event);
    }

    [Fact]
    public async Task A_benchmark_waiting_for_a_model_that_is_not_configured_is_cancelled_with_its_runs_then_purged()
    {
        Guid id;
        List<Guid> runs;
        // Two runs, both submitted and neither ended when the service stops.
        var held = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var first = new ServiceHost(_data, held, FastCoordinator))
        {
            id = await BenchmarkApi.SubmitAsync(first.Client,
                $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}], "methods": ["sdpo", "best-of-k"], "budget": {"maxAttempts": 8, "attemptsPerStep": 4}}""");
            using var stream = await SseClient.OpenAsync(first.Client, $"/benchmarks/{id}/events");
            var submitted = await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "submitted") == 2);
            runs = submitted.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
        }

        // The model removed on purpose: the benchmark and its runs wait for it, yet a cancel must end them now.
        await using var removed = new ServiceHost(_data, SeededEngine(), FastCoordinator, modelName: "another-model");
        Assert.Equal(HttpStatusCode.Accepted, (await removed.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);
        var capture = await BenchmarkApi.WaitForEndAsync(removed.Client, id, timeoutSeconds: 10);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        Assert.Equal(runs.Order(), capture.Frames.Where(f => f.Event == "run").Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        foreach (var run in runs)
            Assert.Equal("cancelled", (await ServiceApi.GetRunAsync(removed.Client, run)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await removed.Client.DeleteAsync($"/benchmarks/{id}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await removed.Client.GetAsync($"/solve/{runs[0]}")).StatusCode);
    }

    [Fact]
    public async Task A_benchmark_run_resumed_after_a_crash_is_timed_by_its_executions_not_by_the_downtime()
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        Guid id, runId;
        // One run of 8 attempts, held at attempt 5 (after its first step) until the process "dies".
        var held = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 5 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var first = new ServiceHost(_data, held, FastCoordinator))
        {
            id = await BenchmarkApi.SubmitAsync(first.Client,
                $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}], "methods": ["best-of-k"], "budget": {"maxAttempts": 8, "attemptsPerStep": 4}}""");
            using var stream = await SseClient.OpenAsync(first.Client, $"/benchmarks/{id}/events");
            var submitted = await SseClient.ReadAsync(stream, frames => frames.Any(f => f.Event == "submitted"));
            runId = submitted.Frames.First(f => f.Event == "submitted").Json.GetProperty("runId").GetGuid();
            await ServiceApi.PollAsync(first.Client, runId, r => r.GetProperty("attempts").GetInt32() >= 5);
        }
        await Downtime.PassAsync(_data, TimeSpan.FromHours(1), killed: true);

        await using var second = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(1) }, FastCoordinator);
        Assert.Equal("completed", (await BenchmarkApi.WaitForEndAsync(second.Client, id)).Frames[^1].Event);
        elapsed.Stop();
        Assert.Equal(2, (await ServiceApi.GetRunAsync(second.Client, runId)).GetProperty("executions").GetInt32());

        var method = (await BenchmarkApi.GetAsync(second.Client, id)).GetProperty("results").GetProperty("methods")[0];
        Assert.InRange(method.GetProperty("secondsPerAttempt").GetDouble() * 8, 0, elapsed.Elapsed.TotalSeconds);
        await using var db = Downtime.Open(_data);
        var seconds = db.BenchmarkRuns.Single(r => r.RunId == runId).Seconds;
        Assert.NotNull(seconds);
        Assert.InRange(seconds.Value, 0, elapsed.Elapsed.TotalSeconds);
    }

    [Fact]
    public async Task Cancelling_stops_the_benchmark_and_its_runs_and_plots_wait_for_results()
    {
        // Runs that never pass and take seconds each: the cancel comes long before any ends.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, TwoProblems().Replace("\"maxAttempts\": 8", "\"maxAttempts\": 64"));
        var early = await host.Client.GetAsync($"/benchmarks/{id}/plot.png");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);

        using (var stream = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events"))
            await SseClient.ReadAsync(stream, frames => frames.Any(f => f.Event == "submitted"));
        // Purging is for ended benchmarks: it neither cancels nor deletes a running one.
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.DeleteAsync($"/benchmarks/{id}?purge=true")).StatusCode);
        var cancel = await host.Client.DeleteAsync($"/benchmarks/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        var submitted = capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
        Assert.InRange(submitted.Count, 1, 8);
        foreach (var runId in submitted)
            await ServiceApi.PollAsync(host.Client, runId, r => r.GetProperty("status").GetString() == "cancelled");
        Assert.Equal("cancelled", (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("status").GetString());
        // Ended: a retried cancel deletes nothing and answers its outcome; purging deletes it with its runs.
        var retried = await host.Client.DeleteAsync($"/benchmarks/{id}");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("cancelled", (await retried.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/benchmarks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/benchmarks/{id}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/benchmarks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/benchmarks/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/benchmarks/{Guid.NewGuid()}/events")).StatusCode);
    }

    [Fact]
    public async Task A_cancelled_benchmark_ends_after_its_runs_with_a_run_event_and_a_count_for_each()
    {
        // Eight runs that never pass, all queued at once behind one worker: the cancel stops them all.
        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null, AttemptDelay = TimeSpan.FromMilliseconds(50) };
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, TwoProblems().Replace("\"maxAttempts\": 8", "\"maxAttempts\": 64"));
        using (var stream = await SseClient.OpenAsync(host.Client, $"/benchmarks/{id}/events"))
            await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "submitted") == 8);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        var submitted = capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).Order().ToList();
        var ended = capture.Frames.Where(f => f.Event == "run").ToList();
        Assert.Equal(submitted, ended.Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        Assert.All(ended, f => Assert.Equal("cancelled", f.Json.GetProperty("status").GetString()));
        var lastCounts = ended[^1].Json.GetProperty("progress");
        Assert.Equal((8, 8), (lastCounts.GetProperty("runsFinished").GetInt32(), lastCounts.GetProperty("runsCancelled").GetInt32()));
        Assert.Equal(8, capture.Frames[^1].Json.GetProperty("runsFinished").GetInt32());

        var progress = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("progress");
        Assert.Equal((8, 8, 8), (progress.GetProperty("runsSubmitted").GetInt32(), progress.GetProperty("runsEnded").GetInt32(), progress.GetProperty("runsCancelled").GetInt32()));
    }

    /// <summary>Never passes, and holds each run at its third attempt until the run is cancelled.</summary>
    private static FakeDiscoveryEngine HeldEngine(bool ignoresCancellation = false) => new()
    {
        DiscoverAt = _ => null, IgnoresCancellation = ignoresCancellation,
        BeforeAttempt = index => index == 2 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask,
    };

    private static async Task<List<Guid>> SubmittedRunsAsync(HttpClient client, Guid id, int count)
    {
        using var stream = await SseClient.OpenAsync(client, $"/benchmarks/{id}/events");
        var capture = await SseClient.ReadAsync(stream, frames => frames.Count(f => f.Event == "submitted") == count);
        return capture.Frames.Where(f => f.Event == "submitted").Select(f => f.Json.GetProperty("runId").GetGuid()).ToList();
    }

    [Fact]
    public async Task A_benchmark_cancelled_while_screening_counts_the_screening_runs_it_submitted_ended_and_cancelled()
    {
        // The Swagger example's shape: 12 candidates to screen, 64 samples each. Eight sampling runs are outstanding at
        // once (one running, held, seven queued behind it) when the cancel comes; the other four are never submitted.
        await using var host = new ServiceHost(_data, HeldEngine(), FastCoordinator);
        var problems = string.Join(", ", Enumerable.Range(100, 12).Select(target => BenchmarkApi.Arithmetic(target)));
        var id = await BenchmarkApi.SubmitAsync(host.Client, $$$"""
            {"problems": [{{{problems}}}], "methods": ["sdpo", "best-of-k"], "seeds": 3, "budget": {"maxAttempts": 256, "attemptsPerStep": 8},
             "selectHard": {"threshold": 0.5, "samples": 64}}
            """);
        var submitted = await SubmittedRunsAsync(host.Client, id, 8);
        var before = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("progress");
        Assert.Equal(8, before.GetProperty("screeningRuns").GetInt32());
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        var ended = capture.Frames.Where(f => f.Event == "run").ToList();
        Assert.Equal(submitted.Order(), ended.Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        Assert.All(ended, f => Assert.Equal(("screen", "cancelled"), (f.Json.GetProperty("purpose").GetString(), f.Json.GetProperty("status").GetString())));
        Assert.DoesNotContain(capture.Frames, f => f.Event == "screened");

        // The events' counts and GET's agree with the runs: eight submitted, eight ended, eight of them cancelled.
        static (int, int, int, int, int) Screening(JsonElement counts, string ended) => (counts.GetProperty("screeningRuns").GetInt32(),
            counts.GetProperty(ended).GetInt32(), counts.GetProperty("screeningRunsCancelled").GetInt32(),
            counts.GetProperty(ended == "screeningRunsEnded" ? "runsEnded" : "runsFinished").GetInt32(), counts.GetProperty("runsCancelled").GetInt32());
        Assert.Equal((8, 8, 8, 0, 0), Screening(ended[^1].Json.GetProperty("progress"), "screeningRunsFinished"));
        Assert.Equal((8, 8, 8, 0, 0), Screening(capture.Frames[^1].Json.GetProperty("progress"), "screeningRunsFinished"));
        var benchmark = await BenchmarkApi.GetAsync(host.Client, id);
        Assert.Equal("cancelled", benchmark.GetProperty("status").GetString());
        var progress = benchmark.GetProperty("progress");
        Assert.Equal((8, 8, 8, 0, 0), Screening(progress, "screeningRunsEnded"));
        Assert.Equal((12, 0, 0, 0), (progress.GetProperty("candidates").GetInt32(), progress.GetProperty("screened").GetInt32(),
            progress.GetProperty("runsPlanned").GetInt32(), progress.GetProperty("runsSubmitted").GetInt32()));
        foreach (var runId in submitted) Assert.Equal("cancelled", (await ServiceApi.GetRunAsync(host.Client, runId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancelling_a_benchmark_ends_its_queued_runs_at_once_and_saves_the_cancel_of_its_running_one()
    {
        // Eight runs, one worker: the first runs (held at its third attempt), seven wait in the queue.
        var engine = HeldEngine();
        await using var host = new ServiceHost(_data, engine, FastCoordinator);
        var id = await BenchmarkApi.SubmitAsync(host.Client, TwoProblems().Replace("\"maxAttempts\": 8", "\"maxAttempts\": 64"));
        var runs = await SubmittedRunsAsync(host.Client, id, 8);
        await ServiceApi.PollAsync(host.Client, runs[0], r => r.GetProperty("attempts").GetInt32() >= 2);
        Assert.Equal(7, (await host.Client.GetFromJsonAsync<JsonElement>("/health")).GetProperty("queuedRuns").GetInt32());

        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);
        // Before the answer: the queued runs have left the queue and ended cancelled, never started; the running one's
        // cancel is saved, so a restart would end it rather than resume it.
        Assert.Equal(0, (await host.Client.GetFromJsonAsync<JsonElement>("/health")).GetProperty("queuedRuns").GetInt32());
        foreach (var runId in runs.Skip(1))
        {
            var run = await ServiceApi.GetRunAsync(host.Client, runId);
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, run.GetProperty("startedAt").ValueKind);
            Assert.Equal(0, run.GetProperty("executions").GetInt32());
        }
        await using (var db = Downtime.Open(_data))
            Assert.True((await db.Runs.SingleAsync(r => r.Id == runs[0])).CancelRequested);

        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        var ended = capture.Frames.Where(f => f.Event == "run").ToList();
        Assert.Equal(runs.Order(), ended.Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        Assert.All(ended, f => Assert.Equal("cancelled", f.Json.GetProperty("status").GetString()));
        Assert.Equal(1, engine.Executions);
        var progress = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("progress");
        Assert.Equal((8, 8, 8), (progress.GetProperty("runsSubmitted").GetInt32(), progress.GetProperty("runsEnded").GetInt32(), progress.GetProperty("runsCancelled").GetInt32()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_benchmark_cancelled_just_before_a_crash_ends_cancelled_at_the_next_start_without_resuming_its_runs(bool runCancelLost)
    {
        Guid id;
        List<Guid> runs;
        // The engine never sees the cancel, as when the process is killed right after the 202: the host's stop gives up
        // on the running run after a second, leaving it "running" in the database as a kill -9 would.
        await using (var first = new ServiceHost(_data, HeldEngine(ignoresCancellation: true), FastCoordinator,
                         services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1))))
        {
            id = await BenchmarkApi.SubmitAsync(first.Client,
                $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}], "methods": ["best-of-k"], "seeds": 2, "budget": {"maxAttempts": 64, "attemptsPerStep": 4}}""");
            runs = await SubmittedRunsAsync(first.Client, id, 2);
            await ServiceApi.PollAsync(first.Client, runs[0], r => r.GetProperty("attempts").GetInt32() >= 2);
            Assert.Equal(HttpStatusCode.Accepted, (await first.Client.DeleteAsync($"/benchmarks/{id}")).StatusCode);
        }
        await using (var db = Downtime.Open(_data))
        {
            var running = await db.Runs.SingleAsync(r => r.Id == runs[0]);
            Assert.Equal((RunStatus.Running, true), (running.Status, running.CancelRequested));
            Assert.Equal(RunStatus.Cancelled, (await db.Runs.SingleAsync(r => r.Id == runs[1])).Status);
            Assert.Equal(BenchmarkStatus.Running, (await db.Benchmarks.SingleAsync(b => b.Id == id)).Status);
            if (runCancelLost)
            {
                // A crash between the benchmark's cancel and its runs' being saved: the benchmark's alone is enough.
                running.CancelRequested = false;
                await db.SaveChangesAsync();
            }
        }

        var engine = new FakeDiscoveryEngine { DiscoverAt = _ => null };
        if (runCancelLost)
        {
            // The restart's recovery alone ends the run cancelled, unresumed, before any worker or coordinator sees it.
            await using var withoutCoordinator = new ServiceHost(_data, engine, FastCoordinator, services: s =>
                s.Remove(s.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Sdpo.Service.Benchmarks.BenchmarkCoordinator))));
            Assert.Equal("cancelled", (await ServiceApi.WaitForEndAsync(withoutCoordinator.Client, runs[0])).Frames.LastMethodEvent().Event);
            Assert.Equal(0, engine.Executions);
        }
        await using var second = new ServiceHost(_data, engine, FastCoordinator);
        var capture = await BenchmarkApi.WaitForEndAsync(second.Client, id);
        Assert.Equal("cancelled", capture.Frames[^1].Event);
        var ended = capture.Frames.Where(f => f.Event == "run").ToList();
        Assert.Equal(runs.Order(), ended.Select(f => f.Json.GetProperty("runId").GetGuid()).Order());
        Assert.All(ended, f => Assert.Equal("cancelled", f.Json.GetProperty("status").GetString()));
        Assert.Equal(0, engine.Executions);
        var run = await ServiceApi.GetRunAsync(second.Client, runs[0]);
        Assert.Equal(("cancelled", 2, 1), (run.GetProperty("status").GetString(), run.GetProperty("attempts").GetInt32(), run.GetProperty("executions").GetInt32()));
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync($"/benchmarks/{id}?purge=true")).StatusCode);
    }
}
