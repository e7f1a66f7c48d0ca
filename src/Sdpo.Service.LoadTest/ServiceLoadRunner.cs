using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Sdpo.Service.Engines;

namespace Sdpo.Service.LoadTest;

/// <summary>
/// Starts the service in this process on a loopback port with the instant engine and a fresh data folder, drives it
/// over real HTTP (concurrent submitting clients and SSE subscribers), and checks that no run is lost, every run ends
/// final with all its events, and every subscriber saw its run's events exactly once, in order.
/// </summary>
public static class ServiceLoadRunner
{
    private const string Body =
        """{"problem": {"prompt": "Say anything.", "verifier": {"kind": "regex", "pattern": "answer \\d+"}}, "method": "sdpo", "budget": {"maxAttempts": 1000, "attemptsPerStep": PER_STEP}}""";

    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log)
    {
        options.Validate();
        var dataFolder = Directory.CreateTempSubdirectory("sdpo-service-load-").FullName;
        var engine = new InstantDiscoveryEngine(options.AttemptsPerRun, options.AttemptDelay);
        await using var app = Build(options, dataFolder, engine);
        try
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            log.WriteLine($"Service on {address}: {options.Submissions} submissions from {options.Clients} clients, {options.Subscribers} SSE subscribers");
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = new Uri(address),
                Timeout = options.Timeout,
            };
            using var deadline = new CancellationTokenSource(options.Timeout);
            return await DriveAsync(options, client, deadline.Token, log);
        }
        finally
        {
            await app.StopAsync();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataFolder, recursive: true); }
            catch (IOException) { /* a late handle; the temp folder is cleaned eventually */ }
        }
    }

    private static WebApplication Build(LoadOptions options, string dataFolder, InstantDiscoveryEngine engine)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.AddSdpoService();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Service:DataFolder"] = dataFolder,
            ["Service:QueueCapacity"] = (options.Submissions + 16).ToString(),
            ["Service:RunsPerDevice"] = options.RunsPerDevice.ToString(),
            ["Service:KeepAliveSeconds"] = "5",
            ["Service:LoadModelsAtStart"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        });
        builder.Services.AddSingleton<IEngineProvider>(new InstantEngineProvider(engine));
        var app = builder.Build();
        app.UseSdpoService();
        return app;
    }

    private static async Task<LoadReport> DriveAsync(LoadOptions options, HttpClient client, CancellationToken deadline, TextWriter log)
    {
        var problems = new ConcurrentQueue<string>();
        var latencies = new ConcurrentBag<double>();
        var accepted = new ConcurrentDictionary<Guid, byte>();
        int rejected = 0, failedSubmissions = 0;
        var toSubscribe = Channel.CreateUnbounded<Guid>();
        var body = Body.Replace("PER_STEP", options.AttemptsPerStep.ToString(), StringComparison.Ordinal);
        var expectedEvents = ExpectedEvents(options);

        // Warm-up, not measured: one submission per client (JIT, EF model, connection pool), then an idle service.
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async _ =>
            (await client.PostAsync("/solve", new StringContent(body, Encoding.UTF8, "application/json"), deadline)).EnsureSuccessStatusCode()));
        await WaitForIdleAsync(client, deadline);

        var subscribers = Enumerable.Range(0, options.Subscribers)
            .Select(_ => Task.Run(() => SubscribeAsync(client, toSubscribe.Reader, expectedEvents, problems, deadline), deadline))
            .ToList();

        var clock = Stopwatch.StartNew();
        var perClient = Enumerable.Range(0, options.Clients)
            .Select(c => options.Submissions / options.Clients + (c < options.Submissions % options.Clients ? 1 : 0))
            .ToList();
        var clients = perClient.Select(count => Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync("/solve", new StringContent(body, Encoding.UTF8, "application/json"), deadline);
                    var text = await response.Content.ReadAsStringAsync(deadline);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
                        if (!accepted.TryAdd(id, 0)) problems.Enqueue($"run id {id} was handed out twice");
                        if (accepted.Count <= options.Subscribers) toSubscribe.Writer.TryWrite(id);
                    }
                    else if (response.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.Increment(ref rejected);
                    else
                    {
                        Interlocked.Increment(ref failedSubmissions);
                        problems.Enqueue($"POST /solve answered {(int)response.StatusCode}: {text}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    Interlocked.Increment(ref failedSubmissions);
                    problems.Enqueue($"POST /solve failed: {ex.Message}");
                }
            }
        }, deadline)).ToList();
        await Task.WhenAll(clients);
        toSubscribe.Writer.TryComplete();
        var submitSeconds = clock.Elapsed.TotalSeconds;

        var (finished, eventsStored, unfinished) = await WaitForFinalAsync(client, accepted.Keys.ToList(), expectedEvents, problems, deadline);
        var wallSeconds = clock.Elapsed.TotalSeconds;
        var streams = await Task.WhenAll(subscribers);
        log.WriteLine($"Submitted in {submitSeconds:0.00} s; all runs final after {wallSeconds:0.00} s");

        var sorted = latencies.OrderBy(x => x).ToArray();
        return new LoadReport(
            options, accepted.Count, rejected, failedSubmissions + unfinished, finished,
            Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? 0 : sorted[^1], wallSeconds,
            eventsStored, streams.Sum(s => (long)s.Events), streams.Count(s => s.Complete), problems.ToList());
    }

    /// <summary>Each attempt, each step, the method's discovered event and the run's ended event.</summary>
    private static int ExpectedEvents(LoadOptions options) => options.AttemptsPerRun + (options.AttemptsPerRun - 1) / options.AttemptsPerStep + 2;

    private static async Task<(int Events, bool Complete)> SubscribeAsync(
        HttpClient client, ChannelReader<Guid> runs, int expectedEvents, ConcurrentQueue<string> problems, CancellationToken deadline)
    {
        Guid id;
        try
        {
            id = await runs.ReadAsync(deadline);
        }
        catch (ChannelClosedException)
        {
            problems.Enqueue("a subscriber found no run to follow");
            return (0, false);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/solve/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline);
        var ids = new List<long>();
        string? lastEvent = null, beforeLast = null;
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(deadline))
        {
            ids.Add(long.Parse(item.EventId ?? "-1", CultureInfo.InvariantCulture));
            (beforeLast, lastEvent) = (lastEvent, item.EventType);
        }
        var complete = ids.SequenceEqual(Enumerable.Range(1, expectedEvents).Select(i => (long)i)) && (beforeLast, lastEvent) == ("discovered", "ended");
        if (!complete)
            problems.Enqueue($"the stream of run {id} delivered ids [{string.Join(",", ids)}] ending with '{beforeLast}', '{lastEvent}', expected 1..{expectedEvents} ending with 'discovered', 'ended'");
        return (ids.Count, complete);
    }

    private static async Task<(int Finished, long Events, int Unfinished)> WaitForFinalAsync(
        HttpClient client, IReadOnlyList<Guid> ids, int expectedEvents, ConcurrentQueue<string> problems, CancellationToken deadline)
    {
        // Polling each run while they execute would steal the CPU the service is being measured on.
        await WaitForIdleAsync(client, deadline);
        var pending = new HashSet<Guid>(ids);
        var events = new Dictionary<Guid, long>();
        while (pending.Count > 0 && !deadline.IsCancellationRequested)
        {
            foreach (var id in pending.ToList())
            {
                var run = JsonDocument.Parse(await client.GetStringAsync($"/solve/{id}", deadline)).RootElement;
                var status = run.GetProperty("status").GetString();
                if (status is "queued" or "running") continue;
                pending.Remove(id);
                events[id] = run.GetProperty("events").GetInt64();
                if (status != "discovered") problems.Enqueue($"run {id} ended {status}: {run.GetProperty("failureReason")}");
                else if (run.GetProperty("events").GetInt64() != expectedEvents)
                    problems.Enqueue($"run {id} stored {run.GetProperty("events").GetInt64()} events, expected {expectedEvents}");
            }
            if (pending.Count > 0) await Task.Delay(50, deadline);
        }
        foreach (var id in pending) problems.Enqueue($"run {id} never ended");
        return (events.Count, events.Values.Sum(), pending.Count);
    }

    /// <summary>Waits on the cheap health report until nothing is queued or running.</summary>
    private static async Task WaitForIdleAsync(HttpClient client, CancellationToken deadline)
    {
        while (true)
        {
            var health = JsonDocument.Parse(await client.GetStringAsync("/health", deadline)).RootElement;
            if (health.GetProperty("queuedRuns").GetInt32() == 0 && health.GetProperty("activeRuns").GetInt32() == 0) return;
            await Task.Delay(20, deadline);
        }
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
