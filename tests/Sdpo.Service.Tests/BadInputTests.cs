using System.Net;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    private ServiceHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new ServiceHost(_data, new FakeDiscoveryEngine());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    private const string Arithmetic = """{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}""";

    /// <summary>A valid arithmetic problem with the given extra members.</summary>
    private static string With(string members) => "{\"problem\": " + Arithmetic + ", " + members + "}";

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"problem": """, "body" },
        { """[1, 2]""", "body" },
        { "", "body" },
        { """{"method": "sdpo"}""", "problem" },
        { """{"problem": {"kind": "sudoku"}}""", "problem.kind" },
        { """{"problem": {"kind": "arithmetic", "numbers": [3], "target": 22}}""", "problem.numbers" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "telepathy"}}}""", "problem.verifier.kind" },
        { """{"problem": {"prompt": "What is 2+2?"}}""", "problem.verifier" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "regex", "pattern": "(4"}}}""", "problem.verifier.pattern" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4", "expected": "4"}}}""", "problem.verifier.expected" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "http", "url": "ftp://example.com/check"}}}""", "problem.verifier.url" },
        // An address literal the service never calls (Verifiers:Http:AllowPrivateNetworks is false): refused at once, not at every attempt.
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "http", "url": "http://127.0.0.1:8080/check"}}}""", "problem.verifier.url" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "http", "url": "https://192.168.1.20/check"}}}""", "problem.verifier.url" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "http", "url": "http://[::1]/check"}}}""", "problem.verifier.url" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "http", "url": "http://[::ffff:10.0.0.1]/check"}}}""", "problem.verifier.url" },
        // Within the spec's own ranges but above the service's caps (Verifiers:Python:MaxTimeoutSeconds 60, MaxMemoryMb 4096).
        { """{"problem": {"prompt": "Write f.", "verifier": {"kind": "python", "tests": "assert f()", "timeoutSeconds": 60.5}}}""", "problem.verifier.timeoutSeconds" },
        { """{"problem": {"prompt": "Write f.", "verifier": {"kind": "python", "tests": "assert f()", "memoryMb": 4097}}}""", "problem.verifier.memoryMb" },
        { """{"problem": {"prompt": "Find x.", "verifier": {"kind": "p3", "sat": "def sat(x: int): return x == 4", "timeoutSeconds": 300}}}""", "problem.verifier.timeoutSeconds" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}, "hint": "4"}}""", "problem.hint" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}, "id": 7}}""", "problem.id" },
        { """{"problem": {"kind": "arithmetic", "numbers": [3, 5], "target": 8}}""", "problem.numbers" },
        { """{"problem": {"kind": "arithmetic", "numbers": [3, 5000, 7], "target": 8}}""", "problem.numbers[1]" },
        { """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7]}}""", "problem.target" },
        { """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22, "answer": "3*5+7"}}""", "problem.answer" },
        { With(""" "method": "guessing" """), "method" },
        { With(""" "budget": {"maxAttempts": 0} """), "budget.maxAttempts" },
        { With(""" "budget": {"maxAttempts": 100001} """), "budget.maxAttempts" },
        { With(""" "budget": {"attemptsPerStep": 1000} """), "budget.attemptsPerStep" },
        { With(""" "budget": {"attemptsPerStep": 4, "chains": 5} """), "budget.chains" },
        { With(""" "budget": {"chains": 0} """), "budget.chains" },
        { With(""" "budget": {"maxAttempts": "many"} """), "budget.maxAttempts" },
        { With(""" "sampling": {"temperature": 0} """), "sampling.temperature" },
        { With(""" "sampling": {"constrained": "yes"} """), "sampling.constrained" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}}, "sampling": {"constrained": true}}""", "sampling.constrained" },
        { With(""" "sampling": {"distinctEquivalence": true} """), "sampling.distinctEquivalence" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}}, "sampling": {"distinctAttempts": true, "distinctEquivalence": true}}""", "sampling.distinctEquivalence" },
        { With(""" "sdpo": {"loraRank": 0} """), "sdpo.loraRank" },
        { With(""" "sdpo": {"teacher": "oracle"} """), "sdpo.teacher" },
        { With(""" "sdpo": {"teacherGuidance": -1} """), "sdpo.teacherGuidance" },
        { With(""" "sdpo": {"weightDecay": -5} """), "sdpo.weightDecay" },
        { With(""" "sdpo": {"weightDecay": 1e308} """), "sdpo.weightDecay" },
        { With(""" "sdpo": {"loraAlpha": 1e308} """), "sdpo.loraAlpha" },
        { With(""" "sdpo": {"logRatioClip": 1e308} """), "sdpo.logRatioClip" },
        { With(""" "sdpo": {"importanceWeightCap": 1e308} """), "sdpo.importanceWeightCap" },
        { With(""" "sdpo": {"maxGradNorm": 1e308} """), "sdpo.maxGradNorm" },
        { With(""" "sdpo": {"learningSteps": 0} """), "sdpo.learningSteps" },
        { With(""" "sdpo": {"loraLayers": [1, 1]} """), "sdpo.loraLayers" },
        { With(""" "sdpo": {"loraLayers": [2]} """), "sdpo.loraLayers" }, // the fake model has layers 0 and 1
        { With(""" "sdpo": {"loraModules": []} """), "sdpo.loraModules" },
        { With(""" "sdpo": {"loraModules": ["q_proj", "qkv_proj"]} """), "sdpo.loraModules" },
        { With(""" "sdpo": {"basePrompt": true, "sampleWithFeedback": true} """), "sdpo.basePrompt" },
        { With(""" "model": "gpt-7" """), "model" },
        { With(""" "compareWith": ["sdpo"] """), "compareWith" },
        { With(""" "compareWith": ["best-of-k", "best-of-k"] """), "compareWith" },
        { With(""" "maxAttempts": 5 """), "maxAttempts" },
        { With(""" "sampling": {"maxNewTokens": 255} """), "sampling.maxNewTokens" },
        { "{\"problem\": {\"prompt\": \"" + string.Join(" ", Enumerable.Repeat("word", 300)) + "\", \"verifier\": {\"kind\": \"exact\", \"answer\": \"4\"}}}", "problem.prompt" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_request_bodies_answer_400_problem_json_naming_the_field(string body, string field)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(body));
        await AssertNamesField(response, field);
    }

    /// <summary>Spec code that can never work (it is compiled, not run, at submission): refused before anything is queued,
    /// instead of every attempt ending a verifier error and the run "exhausted" as if the model had failed.</summary>
    public static TheoryData<string, string, string> UnusableSpecCode => new()
    {
        { """{"kind": "python", "tests": "assert (("}""", "problem.verifier.tests", "'(' was never closed" },
        { """{"kind": "p3", "sat": ""}""", "problem.verifier.sat", "defines no `sat` function" },
        { """{"kind": "p3", "sat": "x = 1"}""", "problem.verifier.sat", "defines no `sat` function" },
        { """{"kind": "p3", "sat": "def sat(x:"}""", "problem.verifier.sat", "does not compile" },
        { """{"kind": "p3", "sat": "def sat(x):\n    return x == x", "answerType": "Lsit[int]"}""", "problem.verifier.answerType", "'Lsit'" },
        { """{"kind": "p3", "sat": "def sat(x):\n    return x == x", "answerType": "List["}""", "problem.verifier.answerType", "does not compile" },
    };

    [PythonTheory]
    [MemberData(nameof(UnusableSpecCode))]
    public async Task Spec_code_that_does_not_compile_answers_400_naming_the_field(string verifier, string field, string problem)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json("""{"problem": {"prompt": "Solve it.", "verifier": """ + verifier + "}}"));
        var body = await AssertNamesField(response, field);
        Assert.Contains(problem, body);
    }

    /// <summary>SDPO fields the options cannot read: named as written, with what the option takes (its type, an enum's
    /// wire values), not the serializer's note on a merged body.</summary>
    public static TheoryData<string, string, string> BadSdpoFields => new()
    {
        { """ "sdpo": {"teacher": "emma"} """, "sdpo.teacher", "sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\"." },
        { """ "sdpo": {"divergence": "kl"} """, "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got \"kl\"." },
        { """ "sdpo": {"learningRate": "fast"} """, "sdpo.learningRate", "sdpo.learningRate must be a number; got \"fast\"." },
        { """ "sdpo": {"topK": 2.5} """, "sdpo.topK", "sdpo.topK must be an integer; got 2.5." },
        { """ "sdpo": {"loraLayers": [0.5]} """, "sdpo.loraLayers", "sdpo.loraLayers must be an array of integers or null; got [0.5]." },
        { """ "sdpo": {"tpoK": 5} """, "sdpo.tpoK", "sdpo.tpoK is not an SDPO option; the options are learningRate, loraRank, " },
        { """ "sdpo": [1] """, "sdpo", "sdpo must be a JSON object of SDPO options, or null for the defaults; got [1]." },
    };

    /// <summary>Only the documented kebab-case values of an enum, and only JSON numbers for a number: no other spelling
    /// (the C# name, another case, no hyphens, an enum's integer) and no number in a string, each a 400 naming the field
    /// as written with what it takes, as the SDPO fields' errors are.</summary>
    public static TheoryData<string, string, string> UndocumentedSpellings => new()
    {
        { """ "method": "bestofk" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"bestofk\"." },
        { """ "method": "SelfTeacher" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"SelfTeacher\"." },
        { """ "method": "BEST-OF-K" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"BEST-OF-K\"." },
        { """ "method": "best_of_k" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"best_of_k\"." },
        { """ "method": "Sdpo" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"Sdpo\"." },
        { """ "method": 1 """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got 1." },
        { """ "method": "1" """, "method", "method must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"1\"." },
        { """ "compareWith": ["BestOfK"] """, "compareWith[0]", "compareWith[0] must be one of sdpo, best-of-k, multi-turn, self-teacher; got \"BestOfK\"." },
        { """ "sdpo": {"teacher": "Frozen"} """, "sdpo.teacher", "sdpo.teacher must be one of ema, frozen, trust-region; got \"Frozen\"." },
        { """ "sdpo": {"divergence": "ForwardKl"} """, "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got \"ForwardKl\"." },
        { """ "sdpo": {"divergence": 1} """, "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got 1." },
        { """ "budget": {"maxAttempts": "64"} """, "budget.maxAttempts", "budget.maxAttempts must be an integer; got \"64\"." },
        { """ "budget": {"chains": "2"} """, "budget.chains", "budget.chains must be an integer or null; got \"2\"." },
        { """ "sampling": {"temperature": "1.5"} """, "sampling.temperature", "sampling.temperature must be a number; got \"1.5\"." },
        { """ "sdpo": {"learningRate": "0.1"} """, "sdpo.learningRate", "sdpo.learningRate must be a number; got \"0.1\"." },
        { """ "sdpo": {"maxDistilledAttempts": "1"} """, "sdpo.maxDistilledAttempts", "sdpo.maxDistilledAttempts must be an integer or null; got \"1\"." },
        { """ "seed": "7" """, "seed", "seed must be an integer; got \"7\"." },
        { """ "seed": 1.5 """, "seed", "seed must be an integer; got 1.5." },
        { """ "budget": {"maxAttempts": "many"} """, "budget.maxAttempts", "budget.maxAttempts must be an integer; got \"many\"." },
        { """ "sampling": {"constrained": "yes"} """, "sampling.constrained", "sampling.constrained must be a boolean (true or false); got \"yes\"." },
        { """ "reuseVerdicts": "false" """, "reuseVerdicts", "reuseVerdicts must be a boolean (true or false); got \"false\"." },
        { """ "budget": 64 """, "budget", "budget must be an object or null; got 64." },
        { """ "compareWith": "best-of-k" """, "compareWith", "compareWith must be an array of strings (each one of sdpo, best-of-k, multi-turn, self-teacher) or null; got \"best-of-k\"." },
    };

    [Theory]
    [MemberData(nameof(UndocumentedSpellings))]
    public async Task Undocumented_spellings_and_numbers_in_strings_answer_400_naming_the_field_with_what_it_takes(string members, string field, string message)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(With(members)));
        Assert.Equal(message, await AssertNamesField(response, field));
    }

    [Fact]
    public async Task A_body_that_starts_with_a_UTF8_byte_order_mark_is_read_as_JSON()
    {
        static ByteArrayContent WithBom(string text, string mediaType)
        {
            var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(text)]);
            content.Headers.ContentType = new(mediaType);
            return content;
        }
        var solve = await _host.Client.PostAsync("/solve", WithBom(ServiceApi.MinimalRequest, "application/json"));
        Assert.True(solve.StatusCode == HttpStatusCode.Accepted, await solve.Content.ReadAsStringAsync());
        var lines = await _host.Client.PostAsync("/benchmarks?methods=best-of-k&maxAttempts=2", WithBom(Arithmetic + "\n", "application/x-ndjson"));
        Assert.True(lines.StatusCode == HttpStatusCode.Accepted, await lines.Content.ReadAsStringAsync());
        // A mark alone is still an empty body.
        var empty = await _host.Client.PostAsync("/solve", WithBom("", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("empty", await empty.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("GET", "/solve/not-a-guid", "'not-a-guid' is not a run id")]
    [InlineData("DELETE", "/solve/01a25290", "'01a25290' is not a run id")]
    [InlineData("GET", "/solve/01a25290/events", "'01a25290' is not a run id")]
    [InlineData("GET", "/benchmarks/abc/plot.svg", "'abc' is not a benchmark id")]
    [InlineData("GET", "/no-such-endpoint", "No endpoint answers GET /no-such-endpoint")]
    public async Task A_malformed_id_or_an_unknown_path_is_a_404_problem_that_says_so(string method, string path, string detail)
    {
        var response = await _host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_field_the_request_does_not_have_is_named_with_the_fields_it_has()
    {
        var message = await AssertNamesField(await _host.Client.PostAsync("/solve", ServiceApi.Json(With(""" "maxAttempts": 5 """))), "maxAttempts");
        Assert.StartsWith("'maxAttempts' is not a known field; the fields are problem, method, budget, sampling, sdpo, seed,", message);
        message = await AssertNamesField(await _host.Client.PostAsync("/solve", ServiceApi.Json(With(""" "budget": {"attempts": 5} """))), "budget.attempts");
        Assert.Equal("'budget.attempts' is not a known field; the fields are maxAttempts, attemptsPerStep, chains.", message);
    }

    [Fact]
    public async Task The_documented_spellings_are_accepted()
    {
        foreach (var members in new[]
                 {
                     """ "method": "best-of-k", "compareWith": ["self-teacher", "multi-turn"] """,
                     """ "method": "sdpo", "sdpo": {"teacher": "trust-region", "divergence": "jensen-shannon", "learningRate": 1e-3, "maxDistilledAttempts": null} """,
                     """ "budget": {"maxAttempts": 16, "chains": null}, "sampling": {"temperature": 1.5}, "seed": 7, "reuseVerdicts": false """,
                 })
        {
            var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(With(members)));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{members}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("Discovered")]
    [InlineData("DISCOVERED")]
    [InlineData("3")]
    [InlineData("guessing")]
    public async Task A_status_filter_takes_only_the_statuses_as_the_runs_show_them(string status)
    {
        var message = await AssertNamesField(await _host.Client.GetAsync($"/solve?status={status}"), "status");
        Assert.Equal($"status must be one of queued, running, interrupted, discovered, exhausted, cancelled, failed; got '{status}'.", message);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.GetAsync("/solve?status=discovered")).StatusCode);
    }

    /// <summary>A body sent as a form (curl -d without a content-type) is answered 415 saying what to send instead.</summary>
    [Theory]
    [InlineData("/solve", "application/json")]
    [InlineData("/teacher-advantage", "application/json")]
    [InlineData("/benchmarks", "application/json, multipart/form-data, application/x-ndjson, application/jsonl, application/x-jsonlines, application/ndjson")]
    public async Task A_body_of_another_content_type_answers_415_naming_the_types_the_endpoint_takes(string url, string types)
    {
        var response = await _host.Client.PostAsync(url, new StringContent(ServiceApi.MinimalRequest, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"expected 415, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(415, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.16", problem.GetProperty("type").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("application/x-www-form-urlencoded", detail);
        Assert.Contains($"POST {url} takes {types}", detail);
        Assert.Contains("Content-Type: application/json", detail);
        Assert.Equal(types.Split(", "), problem.GetProperty("contentTypes").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [MemberData(nameof(BadSdpoFields))]
    public async Task Bad_sdpo_fields_answer_400_naming_the_field_with_what_it_takes(string members, string field, string message)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(With(members)));
        Assert.StartsWith(message, await AssertNamesField(response, field));
    }

    /// <summary>Strings and field names that parse as JSON but are not text: a lone surrogate escape, or (\xff) bytes
    /// that are not UTF-8.</summary>
    public static TheoryData<string, string> BodiesWithTextThatIsNotUnicode => new()
    {
        { """{"problem": {"prompt": "\ud800 x", "verifier": {"kind": "exact", "answer": "a"}}}""", "problem.prompt" },
        { """{"problem": {"prompt": "\xff x", "verifier": {"kind": "exact", "answer": "a"}}}""", "problem.prompt" },
        { """{"problem": {"kind": "\udc00"}}""", "problem.kind" },
        { """{"problem": {"prompt": "What is 2+2?", "id": "q\ud800", "verifier": {"kind": "exact", "answer": "4"}}}""", "problem.id" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exa\xffct", "answer": "4"}}}""", "problem.verifier.kind" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "\ud800"}}}""", "problem.verifier.answer" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}, "\ud800": 1}}""", "problem" },
        { """{"problem": {"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4", "\xff": 1}}}""", "problem.verifier" },
        { With(""" "\ud800": 1 """), "body" },
        { With(""" "model": "\ud800" """), "model" },
        { With(""" "sdpo": {"teacher": "\ud800"} """), "sdpo.teacher" },
        { With(""" "sdpo": {"\xff": 1} """), "sdpo" },
        { With(""" "compareWith": ["best-of-k", "\ud800"] """), "compareWith[1]" },
    };

    [Theory]
    [MemberData(nameof(BodiesWithTextThatIsNotUnicode))]
    public async Task Text_that_is_not_unicode_answers_400_naming_the_field(string body, string field)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.JsonWithRawBytes(body));
        await AssertNamesField(response, field);
    }

    [Theory]
    [InlineData("/solve")]
    [InlineData("/teacher-advantage")]
    public async Task An_over_long_body_answers_413_naming_the_limit(string url)
    {
        // The test host's Service:MaxRequestBodyBytes is 4096.
        var prompt = new string('x', 5000);
        var response = await _host.Client.PostAsync(url, ServiceApi.Json("{\"problem\": {\"prompt\": \"" + prompt + "\", \"verifier\": {\"kind\": \"exact\", \"answer\": \"4\"}}}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"expected 413, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.14", problem.GetProperty("type").GetString());
        Assert.Contains("4096 bytes", problem.GetProperty("detail").GetString());
        Assert.Contains("Service:MaxRequestBodyBytes", problem.GetProperty("detail").GetString());
        Assert.Equal(4096, problem.GetProperty("limitBytes").GetInt32());
    }

    [Fact]
    public async Task Bad_query_and_header_values_answer_400_naming_them()
    {
        var id = await ServiceApi.SubmitAsync(_host.Client);
        await AssertNamesField(await _host.Client.GetAsync($"/solve/{id}/attempts?limit=0"), "limit");
        await AssertNamesField(await _host.Client.GetAsync($"/solve/{id}/attempts?offset=-1"), "offset");
        await AssertNamesField(await _host.Client.GetAsync($"/solve/{id}/attempts?method=guessing"), "method");
        var request = new HttpRequestMessage(HttpMethod.Get, $"/solve/{id}/events");
        request.Headers.Add("Last-Event-ID", "yesterday");
        await AssertNamesField(await _host.Client.SendAsync(request), "Last-Event-ID");
    }

    [Theory]
    [InlineData("GET", "/solve/{0}")]
    [InlineData("GET", "/solve/{0}/events")]
    [InlineData("GET", "/solve/{0}/attempts")]
    [InlineData("GET", "/solve/{0}/adapter")]
    [InlineData("DELETE", "/solve/{0}")]
    [InlineData("GET", "/solve/not-a-run-id")]
    public async Task Unknown_ids_answer_404_problem_json(string method, string url)
    {
        var response = await _host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(url, Guid.NewGuid())));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Bad_requests_do_not_disturb_the_worker()
    {
        for (var i = 0; i < 5; i++) await _host.Client.PostAsync("/solve", ServiceApi.Json("""{"problem": {"kind": 5}}"""));
        var id = await ServiceApi.SubmitAsync(_host.Client);
        var capture = await ServiceApi.WaitForEndAsync(_host.Client, id);
        Assert.Equal("discovered", capture.Frames.LastMethodEvent().Event);
    }

    /// <summary>Asserts a 400 naming <paramref name="field"/> alone; returns its message.</summary>
    private static async Task<string> AssertNamesField(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming {field}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(errors.SequenceEqual([field]), $"expected the field {field}, got [{string.Join(", ", errors)}]: {body}");
        return problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
    }
}
