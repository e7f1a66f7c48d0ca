using System.Net;
using System.Text.Json;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Execution;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>Real requests and responses of the main endpoints, validated against the service's own OpenAPI document as a
/// generated client with validation would: every field the service sends null is nullable there, every one it always
/// sends is required, and a request the service accepts conforms.</summary>
public sealed class OpenApiConformanceTests : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceHost _host = null!;
    private OpenApiContract _contract = null!;

    public async Task InitializeAsync()
    {
        // No run discovers, and every run waits before its first attempt until the test lets it go: the early states
        // (nothing found yet, no results yet) are the ones whose null fields a document gets wrong.
        _host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = _ => _release.Task });
        var document = JsonDocument.Parse(await _host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement.Clone();
        _contract = new OpenApiContract(document);
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Responses_of_the_main_endpoints_conform_to_the_document_in_every_state()
    {
        var client = _host.Client;
        const string request = """
            {"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 2, "attemptsPerStep": 2},
             "sdpo": null, "sampling": null, "model": null, "compareWith": ["best-of-k"]}
            """;
        Assert.Empty(_contract.RequestErrors("/solve", "post", Parse(request)));
        var submitted = await client.PostAsync("/solve", ServiceApi.Json(request));
        var accepted = await Conforms(submitted, "/solve", "post", HttpStatusCode.Accepted);
        Assert.True(_contract.DeclaresHeader("/solve", "post", 202, "Location"));
        var id = accepted.GetProperty("id").GetGuid();

        // Nothing found yet: passingAttempt is null for the run and each method.
        var early = await Conforms(await client.GetAsync($"/solve/{id}"), "/solve/{id}", "get", HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, early.GetProperty("passingAttempt").ValueKind);
        await Conforms(await client.GetAsync("/solve"), "/solve", "get", HttpStatusCode.OK);
        await Conforms(await client.GetAsync("/solve?status=queued"), "/solve", "get", HttpStatusCode.OK);

        // A benchmark before its first run ends: no results, no teacher advantage, no hard-problem selection.
        const string benchmark = """{"problems": [{"kind": "arithmetic", "numbers": [1, 2, 3], "target": 6}], "methods": ["best-of-k"], "budget": {"maxAttempts": 2}, "sdpo": null}""";
        Assert.Empty(_contract.RequestErrors("/benchmarks", "post", Parse(benchmark)));
        var benchmarkAccepted = await Conforms(await client.PostAsync("/benchmarks", ServiceApi.Json(benchmark)), "/benchmarks", "post", HttpStatusCode.Accepted);
        var details = await Conforms(await client.GetAsync($"/benchmarks/{benchmarkAccepted.GetProperty("id").GetGuid()}"), "/benchmarks/{id}", "get", HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, details.GetProperty("results").ValueKind);
        Assert.Equal(JsonValueKind.Null, details.GetProperty("configuration").GetProperty("selectHard").ValueKind);
        await Conforms(await client.GetAsync("/benchmarks"), "/benchmarks", "get", HttpStatusCode.OK);

        // A case that gives its feedback has no attempt, so no attempt status.
        const string cases = """{"cases": [{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "answer": "3*5+7", "feedback": "Too small."}]}""";
        Assert.Empty(_contract.RequestErrors("/teacher-advantage", "post", Parse(cases)));
        var report = await Conforms(await client.PostAsync("/teacher-advantage", ServiceApi.Json(cases)), "/teacher-advantage", "post", HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, report.GetProperty("cases")[0].GetProperty("attemptStatus").ValueKind);

        await Conforms(await client.GetAsync("/models"), "/models", "get", HttpStatusCode.OK);
        await Conforms(await client.GetAsync("/health"), "/health", "get", HttpStatusCode.OK);

        // Ended without a discovery: attempts, methods and the run once more.
        _release.TrySetResult();
        await ServiceApi.WaitForEndAsync(client, id);
        var ended = await Conforms(await client.GetAsync($"/solve/{id}"), "/solve/{id}", "get", HttpStatusCode.OK);
        Assert.Equal("exhausted", ended.GetProperty("status").GetString());
        await Conforms(await client.GetAsync($"/solve/{id}/attempts?method=best-of-k"), "/solve/{id}/attempts", "get", HttpStatusCode.OK);

        // Problems conform to the problem schema too.
        await Conforms(await client.GetAsync($"/solve/{Guid.NewGuid()}"), "/solve/{id}", "get", HttpStatusCode.NotFound, "application/problem+json");
        await Conforms(await client.PostAsync("/solve", ServiceApi.Json("""{"problem": {"kind": "arithmetic", "numbers": [3], "target": 3}}""")),
            "/solve", "post", HttpStatusCode.BadRequest, "application/problem+json");
    }

    [Fact]
    public void Fields_that_take_a_fixed_set_of_values_refer_to_their_enum()
    {
        var wrong = Parse("""{"total": 1, "offset": 0, "limit": 50, "items": [{"method": "sdpo", "index": 0, "step": 0, "text": "x", "tokenCount": 1, "verdictStatus": "Wrong", "passed": false, "feedback": "", "samplingMs": 1, "verifyingMs": 1, "createdAt": "2026-01-01T00:00:00Z", "verdictReused": false, "sandboxed": false}]}""");
        Assert.NotEmpty(_contract.ResponseErrors("/solve/{id}/attempts", "get", 200, wrong));
        var unknownMethod = Parse("""{"total": 1, "offset": 0, "limit": 50, "items": [{"id": "0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b", "status": "queued", "method": "beam", "model": "m", "seed": 1, "attempts": 0, "attemptsToDiscovery": null, "createdAt": "2026-01-01T00:00:00Z", "finishedAt": null, "url": "/solve/x"}]}""");
        Assert.NotEmpty(_contract.ResponseErrors("/solve", "get", 200, unknownMethod));
        Assert.NotEmpty(_contract.ResponseErrors("/health", "get", 200, Parse("""{"status": "ok", "database": "ok", "writes": "ok", "writeBacklog": 0, "models": 1, "modelsLoaded": 1, "modelsFailed": 0, "queuedRuns": 0, "activeRuns": 0}""")));
        // A field the service always sends cannot be left out.
        Assert.NotEmpty(_contract.ResponseErrors("/solve", "post", 202, Parse("""{"id": "0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b", "status": "queued", "url": "/solve/x"}""")));
        Assert.NotEmpty(_contract.ResponseErrors("/solve", "post", 202, Parse("""{"id": "0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b", "status": "queued", "url": null, "eventsUrl": "/e"}""")));
        foreach (var (path, verb, status) in new[] { ("/solve", "post", 429), ("/solve", "post", 503), ("/benchmarks", "post", 503), ("/teacher-advantage", "post", 503) })
            Assert.True(_contract.DeclaresHeader(path, verb, status, "Retry-After"), $"{verb} {path} {status} has no Retry-After");
        foreach (var (path, verb, status) in new[] { ("/solve", "post", 200), ("/solve/{id}", "delete", 202), ("/benchmarks", "post", 202), ("/benchmarks/{id}", "delete", 202) })
            Assert.True(_contract.DeclaresHeader(path, verb, status, "Location"), $"{verb} {path} {status} has no Location");
    }

    [Fact]
    public async Task The_benchmark_upload_forms_are_described_as_the_service_takes_them()
    {
        var operation = _contract.Operation("/benchmarks", "post");
        var content = operation.GetProperty("requestBody").GetProperty("content");

        // A JSONL body: text, with the options in the query, each of them a declared parameter.
        foreach (var type in BenchmarkRequestReader.NdjsonTypes)
            Assert.Equal("string", content.GetProperty(type).GetProperty("schema").GetProperty("type").GetString());
        var parameters = operation.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(BenchmarkRequestReader.QueryOptions.Order(), parameters.Keys.Order());
        Assert.All(parameters.Values, p => Assert.Equal("query", p.GetProperty("in").GetString()));
        Assert.Equal("integer", parameters["maxAttempts"].GetProperty("schema").GetProperty("type").GetString());
        Assert.False(parameters["methods"].GetProperty("explode").GetBoolean());
        var lines = new StringContent("""
            {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}
            {"kind": "arithmetic", "numbers": [2, 4, 6], "target": 36}
            """, System.Text.Encoding.UTF8, "application/x-ndjson");
        await Conforms(await _host.Client.PostAsync("/benchmarks?name=lines&methods=best-of-k,multi-turn&maxAttempts=2&seeds=1&constrained=true", lines),
            "/benchmarks", "post", HttpStatusCode.Accepted);

        // multipart: a JSONL file part "problems" and a JSON part "request", as the schema names them.
        var multipart = content.GetProperty("multipart/form-data");
        var properties = multipart.GetProperty("schema").GetProperty("properties");
        Assert.Equal("binary", properties.GetProperty("problems").GetProperty("format").GetString());
        Assert.Equal(["problems"], multipart.GetProperty("schema").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("application/json", multipart.GetProperty("encoding").GetProperty("request").GetProperty("contentType").GetString());
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}"""), "problems", "problems.jsonl" },
            { new StringContent("""{"methods": ["best-of-k"], "budget": {"maxAttempts": 2}}"""), "request" },
        };
        await Conforms(await _host.Client.PostAsync("/benchmarks", form), "/benchmarks", "post", HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Every_example_in_the_document_conforms_to_its_schema()
    {
        var document = JsonDocument.Parse(await _host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var checkedExamples = 0;
        foreach (var schema in document.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("example", out var example)) continue;
            checkedExamples++;
            var errors = _contract.SchemaErrors(schema.Name, example);
            Assert.True(errors.Count == 0, $"{schema.Name}'s example does not conform:\n{string.Join("\n", errors)}");
        }
        Assert.True(checkedExamples >= 10, $"only {checkedExamples} examples");
    }

    /// <summary>The events a run and a benchmark really stream, each <c>data:</c> line validated against the stream's declared
    /// schema, whose discriminator maps every <c>type</c> sent.</summary>
    [Fact]
    public async Task Every_event_of_a_run_and_of_a_benchmark_conforms_to_its_stream_schema()
    {
        var client = _host.Client;
        const string run = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 2, "attemptsPerStep": 2}, "compareWith": ["best-of-k"]}""";
        var cancelled = await ServiceApi.SubmitAsync(client, run);
        Assert.True((await client.DeleteAsync($"/solve/{cancelled}")).IsSuccessStatusCode);
        _release.TrySetResult();

        using var submit = new HttpRequestMessage(HttpMethod.Post, "/solve") { Content = ServiceApi.Json(run) };
        submit.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var streamed = await client.SendAsync(submit, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var sent = StreamConforms("/solve", "post", await SseClient.ReadAsync(streamed));
        sent.UnionWith(StreamConforms("/solve/{id}/events", "get", await ServiceApi.WaitForEndAsync(client, cancelled)));
        Assert.Superset(new HashSet<string> { "attempt", "step", "exhausted", "cancelled", "ended" }, sent);

        var benchmark = await BenchmarkApi.SubmitAsync(client, $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(6)}}}], "methods": ["best-of-k"], "budget": {"maxAttempts": 2}}""");
        var benchmarkSent = StreamConforms("/benchmarks/{id}/events", "get", await BenchmarkApi.WaitForEndAsync(client, benchmark));
        Assert.Superset(new HashSet<string> { "queued", "submitted", "run", "completed" }, benchmarkSent);

        // What this run does not send, as the service writes it; and what it never sends fails.
        var interrupted = """{"type":"interrupted","reason":"The service is stopping; the run resumes when it starts again."}""";
        foreach (var data in new[] { RunRecorder.Serialize("sdpo", new Discovered(3, "3*5+7")), RunRecorder.Serialize("sdpo", new Failed("boom")), interrupted })
            Assert.Empty(_contract.ResponseErrors("/solve/{id}/events", "get", 200, Parse(data), "text/event-stream"));
        Assert.Empty(_contract.ResponseErrors("/benchmarks/{id}/events", "get", 200, Parse(interrupted), "text/event-stream"));
        foreach (var data in new[] { """{"type":"discovered","attemptIndex":3,"text":"x"}""", """{"type":"found","method":"sdpo"}""", "\"attempt\"" })
            Assert.NotEmpty(_contract.ResponseErrors("/solve/{id}/events", "get", 200, Parse(data), "text/event-stream"));
    }

    /// <summary>Checks each event of <paramref name="capture"/> against the stream's schema; the types it sent.</summary>
    private HashSet<string> StreamConforms(string path, string verb, SseCapture capture)
    {
        Assert.True(capture.Ended && capture.Frames.Count > 0, $"{verb} {path} sent no events");
        var sent = new HashSet<string>();
        foreach (var frame in capture.Frames)
        {
            var data = Parse(frame.Data);
            var errors = _contract.ResponseErrors(path, verb, 200, data, "text/event-stream");
            Assert.True(errors.Count == 0, $"{verb} {path}: a {frame.Event} event does not conform:\n{string.Join("\n", errors)}\n{frame.Data}");
            Assert.Equal(frame.Event, data.GetProperty("type").GetString());
            sent.Add(frame.Event);
        }
        Assert.Subset(_contract.StreamEventTypes(path, verb).ToHashSet(), sent);
        return sent;
    }

    /// <summary>Bodies of POST /solve on which the document and the service agree: each is valid for both or for neither.</summary>
    [Theory]
    [InlineData(""" "problem": {"prompt": "x", "verifier": {"kind": "numeric", "answer": "3.5"}} """, true)]
    [InlineData(""" "problem": {"prompt": "x", "verifier": {"kind": "numeric", "answer": "three"}} """, false)]
    [InlineData(""" "problem": {"prompt": "x", "verifier": {"kind": "exact", "answer": "4", "trim": null}} """, true)]
    [InlineData(""" "problem": {"prompt": "x", "verifier": {"kind": "p3", "sat": "def sat(x): return x == 1", "answerType": null}} """, true)]
    [InlineData(""" "problem": {"prompt": "x", "verifier": {"kind": "http", "url": "ftp://example.com/check"}} """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "compareWith": ["best-of-k", "best-of-k"] """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraLayers": []} """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraLayers": [-1]} """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraLayers": [0, 0]} """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraModules": []} """, false)]
    [InlineData(""" "problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraLayers": [0], "loraModules": null}, "budget": null """, true)]
    public async Task The_document_accepts_what_the_service_accepts(string members, bool valid)
    {
        var body = "{" + members + "}";
        var errors = _contract.RequestErrors("/solve", "post", Parse(body));
        Assert.True(errors.Count == 0 == valid, $"the document {(valid ? "refuses" : "accepts")} {body}:\n{string.Join("\n", errors)}");
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(body));
        Assert.True(response.StatusCode == (valid ? HttpStatusCode.Accepted : HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> Conforms(HttpResponseMessage response, string path, string verb, HttpStatusCode status, string mediaType = "application/json")
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{verb} {path}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var instance = Parse(body);
        var errors = _contract.ResponseErrors(path, verb, (int)status, instance, mediaType);
        Assert.True(errors.Count == 0, $"{verb} {path} {(int)status} does not conform:\n{string.Join("\n", errors)}\n{body}");
        return instance;
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
