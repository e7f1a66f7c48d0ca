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
        Assert.False(learningRateOnly.TryGetProperty("sampleWithFeedback", out _)); // off is left out

        var explicitNull = await SdpoUsedAsync(host.Client, Solve(""", "sdpo": null"""));
        Assert.Equal("forward-kl", explicitNull.GetProperty("divergence").GetString());
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
