using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>A model's recommended SDPO options (its checkpoint's sdpo_defaults.json) fill exactly the SDPO fields a
/// request leaves out, on /solve and /benchmarks alike, and /models shows them.</summary>
public sealed class ModelSdpoDefaultsTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private static FakeDiscoveryEngine EngineRecommendingForwardKl() => new()
    {
        DiscoverAt = _ => 1,
        SdpoDefaults = new SdpoOptions { Divergence = DivergenceKind.ForwardKl, TopK = 10 },
    };

    private static string Solve(string sdpo) =>
        $$"""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 8}, "seed": 1{{sdpo}}}""";

    private static async Task<JsonElement> SdpoUsedAsync(HttpClient client, string request)
    {
        var id = await ServiceApi.SubmitAsync(client, request);
        var run = await ServiceApi.PollAsync(client, id, r => r.GetProperty("status").GetString() == "discovered");
        return run.GetProperty("configuration").GetProperty("sdpo");
    }

    [Fact]
    public async Task A_request_without_sdpo_options_gets_the_models_recommendation()
    {
        await using var host = new ServiceHost(_data, EngineRecommendingForwardKl());
        var sdpo = await SdpoUsedAsync(host.Client, Solve(""));
        Assert.Equal("forward-kl", sdpo.GetProperty("divergence").GetString());
        Assert.Equal(10, sdpo.GetProperty("topK").GetInt32());
        Assert.Equal(new SdpoOptions().LearningRate, sdpo.GetProperty("learningRate").GetDouble());
    }

    [Fact]
    public async Task Fields_a_request_gives_replace_only_those_of_the_recommendation()
    {
        await using var host = new ServiceHost(_data, EngineRecommendingForwardKl());

        var learningRateOnly = await SdpoUsedAsync(host.Client, Solve(""", "sdpo": {"learningRate": 0.001}"""));
        Assert.Equal(0.001, learningRateOnly.GetProperty("learningRate").GetDouble());
        Assert.Equal("forward-kl", learningRateOnly.GetProperty("divergence").GetString());
        Assert.Equal(10, learningRateOnly.GetProperty("topK").GetInt32());

        // Naming the paper's default explicitly gets it, though it equals SdpoOptions' own default.
        var reverse = await SdpoUsedAsync(host.Client, Solve(""", "Sdpo": {"Divergence": "reverse-kl", "logRatioClip": null}"""));
        Assert.Equal("reverse-kl", reverse.GetProperty("divergence").GetString());
        Assert.Equal(JsonValueKind.Null, reverse.GetProperty("logRatioClip").ValueKind);
        Assert.Equal(10, reverse.GetProperty("topK").GetInt32());

        var withFeedback = await SdpoUsedAsync(host.Client, Solve(""", "sdpo": {"sampleWithFeedback": true}"""));
        Assert.True(withFeedback.GetProperty("sampleWithFeedback").GetBoolean());
        Assert.Equal("forward-kl", withFeedback.GetProperty("divergence").GetString());
        Assert.False(learningRateOnly.GetProperty("sampleWithFeedback").GetBoolean()); // off is shown as off

        var explicitNull = await SdpoUsedAsync(host.Client, Solve(""", "sdpo": null"""));
        Assert.Equal("forward-kl", explicitNull.GetProperty("divergence").GetString());
    }

    /// <summary>The names of every SDPO option, as the wire writes them.</summary>
    private static readonly string[] EveryOption = typeof(SdpoOptions).GetProperties()
        .Where(p => p.CanWrite)
        .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).ToArray();

    [Fact]
    public async Task Models_and_runs_show_every_sdpo_option_those_at_their_defaults_included()
    {
        await using var host = new ServiceHost(_data, EngineRecommendingForwardKl());
        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        var defaults = models[0].GetProperty("sdpoDefaults");
        Assert.Equal(EveryOption.Order(), defaults.EnumerateObject().Select(p => p.Name).Order());
        Assert.False(defaults.GetProperty("distillWithinGrammar").GetBoolean());
        Assert.Equal(0, defaults.GetProperty("teacherGuidance").GetDouble());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("learningSteps").ValueKind);
        Assert.False(defaults.GetProperty("sampleWithFeedback").GetBoolean());
        Assert.False(defaults.GetProperty("detachStudentPrompt").GetBoolean());
        Assert.False(defaults.GetProperty("basePrompt").GetBoolean());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("loraLayers").ValueKind);
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("loraModules").ValueKind);

        var used = await SdpoUsedAsync(host.Client, Solve(""", "sdpo": {"learningSteps": 2}"""));
        Assert.Equal(EveryOption.Order(), used.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(2, used.GetProperty("learningSteps").GetInt32());
        Assert.False(used.GetProperty("basePrompt").GetBoolean());
        Assert.Equal(JsonValueKind.Null, used.GetProperty("loraModules").ValueKind);
    }

    /// <summary>Runs stored before every option was written (their request JSON leaves out the options at their defaults)
    /// still read, with those defaults; and the options' own wire form, which run states and bench journals fingerprint,
    /// still leaves them out.</summary>
    [Fact]
    public void Stored_requests_without_the_options_at_their_defaults_still_read()
    {
        const string stored = """{"problem":{"kind":"arithmetic","numbers":[3,5,7],"target":22},"method":"sdpo","budget":{"maxAttempts":8,"attemptsPerStep":8,"chains":null},"sampling":null,"sdpo":{"learningRate":0.003,"loraRank":8,"loraAlpha":16,"teacher":"frozen","teacherRate":0.01,"divergence":"forward-kl","jsdAlpha":0.5,"topK":20,"logRatioClip":5,"updatesPerBatch":1,"importanceWeightCap":2,"weightDecay":0.01,"maxGradNorm":1,"maxTeacherContextTokens":1024,"maxDistilledAttempts":1},"seed":1,"reuseVerdicts":true,"model":"fake-model","compareWith":[]}""";
        var request = JsonSerializer.Deserialize<Sdpo.Service.Api.SolveRequest>(stored, Sdpo.Service.Api.ServiceJson.Options)!;
        Assert.Equal(new SdpoOptions { Teacher = TeacherKind.Frozen, Divergence = DivergenceKind.ForwardKl, UpdatesPerBatch = 1, MaxDistilledAttempts = 1 }, request.Sdpo);
        var written = JsonDocument.Parse(JsonSerializer.Serialize(request, Sdpo.Service.Api.ServiceJson.Options)).RootElement.GetProperty("sdpo");
        Assert.Equal(EveryOption.Order(), written.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(request.Sdpo, JsonSerializer.Deserialize<Sdpo.Service.Api.SolveRequest>(JsonSerializer.Serialize(request, Sdpo.Service.Api.ServiceJson.Options), Sdpo.Service.Api.ServiceJson.Options)!.Sdpo);
        Assert.DoesNotContain("basePrompt", SdpoDefaults.Serialize(request.Sdpo!));
    }

    [Fact]
    public async Task Bad_sdpo_fields_are_still_400s_naming_the_field()
    {
        await using var host = new ServiceHost(_data, EngineRecommendingForwardKl());
        var outOfRange = await host.Client.PostAsync("/solve", ServiceApi.Json(Solve(""", "sdpo": {"topK": 0}""")));
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        Assert.Contains("sdpo.topK", await outOfRange.Content.ReadAsStringAsync());
        var unknown = await host.Client.PostAsync("/solve", ServiceApi.Json(Solve(""", "sdpo": {"divergense": "forward-kl"}""")));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("sdpo.divergense", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Benchmarks_lay_their_sdpo_fields_over_the_recommendation_and_models_list_it()
    {
        await using var host = new ServiceHost(_data, EngineRecommendingForwardKl(), new Dictionary<string, string> { ["Benchmarks:PollMilliseconds"] = "20" });
        var json = $$$"""{"problems": [{{{BenchmarkApi.Arithmetic(22, "3, 5, 7")}}}], "methods": ["sdpo"], "budget": {"maxAttempts": 4}, "sdpo": {"updatesPerBatch": 1}}""";
        var benchmark = await BenchmarkApi.GetAsync(host.Client, await BenchmarkApi.SubmitAsync(host.Client, json));
        var sdpo = benchmark.GetProperty("configuration").GetProperty("sdpo");
        Assert.Equal(1, sdpo.GetProperty("updatesPerBatch").GetInt32());
        Assert.Equal("forward-kl", sdpo.GetProperty("divergence").GetString());

        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"methods": ["sdpo"], "budget": {"maxAttempts": 4}, "sdpo": {"topK": 5}}"""), "request" },
            { new StringContent(BenchmarkApi.Arithmetic(22, "3, 5, 7")), "problems", "problems.jsonl" },
        };
        var multipart = await host.Client.PostAsync("/benchmarks", form);
        Assert.Equal(HttpStatusCode.Accepted, multipart.StatusCode);
        var fromForm = await BenchmarkApi.GetAsync(host.Client, JsonDocument.Parse(await multipart.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
        Assert.Equal(5, fromForm.GetProperty("configuration").GetProperty("sdpo").GetProperty("topK").GetInt32());
        Assert.Equal("forward-kl", fromForm.GetProperty("configuration").GetProperty("sdpo").GetProperty("divergence").GetString());

        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("forward-kl", models[0].GetProperty("sdpoDefaults").GetProperty("divergence").GetString());
    }
}
