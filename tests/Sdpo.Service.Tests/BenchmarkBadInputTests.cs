using System.Net;
using System.Text;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>One service for all the bad-input cases: none of them gets as far as queuing anything but the one valid benchmark.</summary>
public sealed class BenchmarkBadInputHost : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    public ServiceHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = new ServiceHost(_data, new FakeDiscoveryEngine(), new Dictionary<string, string> { ["Benchmarks:MaxRuns"] = "100" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _data.Dispose();
    }
}

public sealed class BenchmarkBadInputTests(BenchmarkBadInputHost fixture) : IClassFixture<BenchmarkBadInputHost>
{
    private readonly ServiceHost _host = fixture.Host;

    private static readonly string Good = BenchmarkApi.Arithmetic(22, "3, 5, 7");

    /// <summary>A valid one-problem benchmark with the given extra members.</summary>
    private static string With(string members) => "{\"problems\": [" + Good + "], " + members + "}";

    public static TheoryData<string, string> BadBodies => new()
    {
        { "", "body" },
        { """{"problems": """, "body" },
        { """[1, 2]""", "body" },
        { """{"methods": ["sdpo"]}""", "problems" },
        { """{"problems": []}""", "problems" },
        { "{\"problems\": [" + Good + "], \"suite\": {\"name\": \"arithmetic-easy\"}}", "problems" },
        { """{"problems": [{"kind": "arithmetic", "numbers": [3], "target": 22}]}""", "problems[0].numbers" },
        { "{\"problems\": [" + Good + ", {\"kind\": \"sudoku\"}]}", "problems[1].kind" },
        { """{"problems": [{"prompt": "What is 2+2?"}]}""", "problems[0].verifier" },
        { """{"problems": "all of them"}""", "problems" },
        { """{"suite": {"name": "arithmetic-impossible"}}""", "suite.name" },
        { """{"suite": {"name": "arithmetic-easy", "count": 0}}""", "suite.count" },
        { """{"suite": {"name": "arithmetic-easy", "count": "ten"}}""", "suite.count" },
        { With(""" "methods": [] """), "methods" },
        { With(""" "methods": ["sdpo", "sdpo"] """), "methods" },
        { With(""" "methods": ["guessing"] """), "methods[0]" },
        { With(""" "seeds": 0 """), "seeds" },
        { With(""" "seeds": 101 """), "seeds" },
        { With(""" "seeds": 40, "methods": ["sdpo", "best-of-k", "multi-turn"] """), "problems" },
        { With(""" "budget": {"maxAttempts": 0} """), "budget.maxAttempts" },
        { With(""" "budget": {"attemptsPerStep": 1000} """), "budget.attemptsPerStep" },
        { With(""" "budget": {"attemptsPerStep": 4, "chains": 5} """), "budget.chains" },
        { With(""" "budget": {"chains": 0} """), "budget.chains" },
        { With(""" "sampling": {"temperature": 0} """), "sampling.temperature" },
        { "{\"problems\": [" + Good + ", {\"prompt\": \"What is 2+2?\", \"verifier\": {\"kind\": \"exact\", \"answer\": \"4\"}}], \"sampling\": {\"constrained\": true}}", "sampling.constrained" },
        { With(""" "sdpo": {"loraRank": 0} """), "sdpo.loraRank" },
        { With(""" "sdpo": {"loraLayers": [5]} """), "sdpo.loraLayers" }, // the fake model has layers 0 and 1
        { With(""" "sdpo": {"loraModules": ["up"]} """), "sdpo.loraModules" },
        { With(""" "selectHard": {"threshold": 0} """), "selectHard.threshold" },
        { With(""" "selectHard": {"threshold": 0.5, "samples": 0} """), "selectHard.samples" },
        { With(""" "selectHard": {"samples": 16, "k": 32} """), "selectHard.k" },
        { With(""" "measureTeacherAdvantage": "yes" """), "measureTeacherAdvantage" },
        { With(""" "model": "gpt-7" """), "model" },
        { With(""" "compareWith": ["best-of-k"] """), "compareWith" },
        { With(""" "sampling": {"maxNewTokens": 255} """), "problems[0].prompt" },
        { """{"problems": [{"prompt": "\ud800 x", "verifier": {"kind": "exact", "answer": "a"}}]}""", "problems[0].prompt" },
        { With(""" "name": "\ud800" """), "name" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_benchmark_requests_answer_400_naming_the_field(string body, string field)
    {
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", ServiceApi.Json(body)), field);
    }

    [Fact]
    public async Task A_bad_sdpo_field_answers_400_naming_it_with_what_it_takes()
    {
        var message = await AssertNamesField(await _host.Client.PostAsync("/benchmarks", ServiceApi.Json(With(""" "sdpo": {"teacher": "emma"} """))), "sdpo.teacher");
        Assert.Equal("sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".", message);
    }

    /// <summary>Only the documented spellings of a method or an SDPO enum, and numbers as JSON numbers, in a JSON body
    /// and in a multipart request part alike.</summary>
    public static TheoryData<string, string, string> UndocumentedSpellings => new()
    {
        { """ "methods": ["sdpo", "bestofk"] """, "methods[1]", "methods[1] must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"bestofk\"." },
        { """ "methods": ["BestOfK"] """, "methods[0]", "methods[0] must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"BestOfK\"." },
        { """ "methods": [0] """, "methods[0]", "methods[0] must be one of sdpo, best-of-k, multi-turn, self-teacher; got 0." },
        { """ "sdpo": {"teacher": "Frozen"} """, "sdpo.teacher", "sdpo.teacher must be one of ema, frozen, trust-region; got \"Frozen\"." },
        { """ "seeds": "2" """, "seeds", "seeds must be an integer or null; got \"2\"." },
        { """ "budget": {"maxAttempts": "64"} """, "budget.maxAttempts", "budget.maxAttempts must be an integer; got \"64\"." },
        { """ "selectHard": {"threshold": "0.5"} """, "selectHard.threshold", "selectHard.threshold must be a number; got \"0.5\"." },
        { """ "sdpo": {"learningRate": "0.1"} """, "sdpo.learningRate", "sdpo.learningRate must be a number; got \"0.1\"." },
    };

    [Theory]
    [MemberData(nameof(UndocumentedSpellings))]
    public async Task Undocumented_spellings_and_numbers_in_strings_answer_400_naming_the_field(string members, string field, string message)
    {
        Assert.Equal(message, await AssertNamesField(await _host.Client.PostAsync("/benchmarks", ServiceApi.Json(With(members))), field));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("{" + members + "}"), "request" },
            { new StringContent(Good), "problems", "problems.jsonl" },
        };
        Assert.Equal(message, await AssertNamesField(await _host.Client.PostAsync("/benchmarks", form), field));
    }

    [Fact]
    public async Task Query_options_take_only_the_documented_method_names()
    {
        var message = await AssertNamesField(await _host.Client.PostAsync("/benchmarks?methods=sdpo,BEST-OF-K", Ndjson(Good)), "methods");
        Assert.Equal("Unknown method 'BEST-OF-K'; methods are sdpo, best-of-k, multi-turn, self-teacher.", message);
    }

    /// <summary>Every NDJSON media type the reader knows gets through to it (the endpoint used to refuse all but one with 415).</summary>
    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/ndjson")]
    [InlineData("application/jsonl")]
    [InlineData("application/x-jsonlines")]
    public async Task Each_ndjson_media_type_reaches_the_reader(string mediaType)
    {
        var response = await _host.Client.PostAsync("/benchmarks?seeds=0", new StringContent(Good, Encoding.UTF8, mediaType));
        await AssertNamesField(response, "seeds");
    }

    [Fact]
    public async Task Bad_uploads_answer_400_naming_the_line_or_the_option()
    {
        var lines = Good + "\n{not json}\n";
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", Ndjson(lines)), "problems[1]");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?seeds=many", Ndjson(Good)), "seeds");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?methods=sdpo,guessing", Ndjson(Good)), "methods");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?colour=blue", Ndjson(Good)), "colour");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?constrained=maybe", Ndjson(Good)), "constrained");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?distinctAttempts=1", Ndjson(Good)), "distinctAttempts");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?distinctEquivalence=yes", Ndjson(Good)), "distinctEquivalence");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?distinctEquivalence=true", Ndjson(Good)), "sampling.distinctEquivalence");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks?measureTeacherAdvantage=maybe", Ndjson(Good)), "measureTeacherAdvantage");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", Ndjson("\n\n")), "problems");
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", Ndjson(Good + "\n" + """{"prompt": "\ud800 x", "verifier": {"kind": "exact", "answer": "a"}}""")), "problems[1].prompt");

        using var noFile = new MultipartFormDataContent { { new StringContent("""{"seeds": 2}"""), "request" } };
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", noFile), "problems");
        using var badOptions = new MultipartFormDataContent
        {
            { new StringContent("""{"budget": {"maxAttempts": -1}}"""), "request" },
            { new StringContent(Good), "problems", "problems.jsonl" },
        };
        await AssertNamesField(await _host.Client.PostAsync("/benchmarks", badOptions), "budget.maxAttempts");
    }

    [Fact]
    public async Task A_bad_Last_Event_ID_answers_400_and_unknown_benchmarks_404()
    {
        var id = await BenchmarkApi.SubmitAsync(_host.Client, With(""" "budget": {"maxAttempts": 4} """));
        var request = new HttpRequestMessage(HttpMethod.Get, $"/benchmarks/{id}/events");
        request.Headers.Add("Last-Event-ID", "yesterday");
        await AssertNamesField(await _host.Client.SendAsync(request), "Last-Event-ID");
        foreach (var url in new[] { "/benchmarks/{0}", "/benchmarks/{0}/events", "/benchmarks/{0}/plot.svg", "/benchmarks/{0}/plot.png" })
        {
            var response = await _host.Client.GetAsync(string.Format(url, Guid.NewGuid()));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_benchmark_endpoints_with_examples()
    {
        var document = JsonDocument.Parse(await _host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var paths = document.GetProperty("paths");
        foreach (var (path, verb) in new[] { ("/benchmarks", "post"), ("/benchmarks", "get"), ("/benchmarks/{id}", "get"), ("/benchmarks/{id}", "delete"),
                     ("/benchmarks/{id}/events", "get"), ("/benchmarks/{id}/plot.svg", "get"), ("/benchmarks/{id}/plot.png", "get") })
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(verb, out _), $"{verb.ToUpperInvariant()} {path} is missing");
        var post = paths.GetProperty("/benchmarks").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/x-ndjson", out _));
        Assert.Contains("baselineAttempts / methodAttempts", paths.GetProperty("/benchmarks/{id}").GetProperty("get").GetProperty("description").GetString());
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "BenchmarkRequest", "BenchmarkAccepted", "BenchmarkDetails", "BenchmarkReport", "AttemptsRatioReport" })
            Assert.True(schemas.TryGetProperty(name, out _), $"schema {name} is missing");
        var example = schemas.GetProperty("BenchmarkRequest").TryGetProperty("example", out var e) ? e : schemas.GetProperty("BenchmarkRequest").GetProperty("examples")[0];
        // Swagger UI's "Try it out" sends the example as is: a few problems and a small budget, accepted.
        var suite = example.GetProperty("suite").GetProperty("count").GetInt32();
        var runs = suite * example.GetProperty("methods").GetArrayLength() * example.GetProperty("seeds").GetInt32();
        var attempts = runs * example.GetProperty("budget").GetProperty("maxAttempts").GetInt32()
                       + suite * example.GetProperty("selectHard").GetProperty("samples").GetInt32();
        Assert.True(attempts <= 200, $"the example asks for up to {attempts} attempts");
        var accepted = await _host.Client.PostAsync("/benchmarks", new StringContent(example.GetRawText(), Encoding.UTF8, "application/json"));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
    }

    private static StringContent Ndjson(string text) => new(text, Encoding.UTF8, "application/x-ndjson");

    /// <summary>Asserts a 400 naming <paramref name="field"/> alone; returns its message.</summary>
    private static async Task<string> AssertNamesField(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming {field}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(errors.SequenceEqual([field]), $"expected the field {field}, got [{string.Join(", ", errors)}]: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty(field)[0].GetString()!;
    }
}
