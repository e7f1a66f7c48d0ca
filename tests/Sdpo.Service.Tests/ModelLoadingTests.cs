using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Engines;
using Sdpo.Service.Tests.Support;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;

namespace Sdpo.Service.Tests;

/// <summary>How the service behaves while a model loads and when it cannot be loaded: it keeps serving, answers 503
/// problem+json naming the model, and shows why in /models.</summary>
public sealed class ModelLoadingTests : IDisposable
{
    private const string Request = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "best-of-k", "budget": {"maxAttempts": 4}}""";
    private const string BenchmarkRequest = """{"problems": [{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}], "methods": ["best-of-k"], "budget": {"maxAttempts": 4}}""";
    private const string TeacherAdvantageRequest = """{"cases": [{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "answer": "3*5+7", "attempt": "3+5+7"}]}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    public static TheoryData<string, string> BrokenFolders => new()
    {
        { "missing", "does not exist" },
        { "garbage-config", "config.json" },
        { "no-weights", "safetensors" },
        { "bad-sdpo-defaults", "sdpo_defaults.json" },
    };

    [Theory]
    [MemberData(nameof(BrokenFolders))]
    public async Task A_model_folder_that_cannot_be_loaded_answers_503_naming_the_model_and_the_service_keeps_serving(string broken, string reasonMentions)
    {
        var folder = Path.Combine(_data.Path, "models", broken);
        if (broken != "missing")
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), broken == "garbage-config" ? "{ not json" : ValidConfig);
            ArithmeticTokenizer.Save(folder, ArithmeticTokenizer.Definition());
            if (broken == "bad-sdpo-defaults") await File.WriteAllTextAsync(Path.Combine(folder, SdpoDefaults.FileName), """{"divergence": "forward"}""");
        }
        var settings = TinyArithmeticCheckpoint.ModelSettings("broken", folder);
        await using var host = new ServiceHost(_data, engine: null, settings);

        // Through every endpoint that needs the model; /solve twice, since a failed load is not tried again at once.
        foreach (var (url, request) in new[] { ("/solve", Request), ("/solve", Request), ("/benchmarks", BenchmarkRequest), ("/teacher-advantage", TeacherAdvantageRequest) })
        {
            var response = await host.Client.PostAsync(url, ServiceApi.Json(request));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("broken", problem.GetProperty("model").GetString());
            Assert.Equal("failed", problem.GetProperty("state").GetString());
            Assert.Contains("'broken'", problem.GetProperty("detail").GetString());
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.True(detail.Contains(reasonMentions, StringComparison.OrdinalIgnoreCase), $"the reason should mention {reasonMentions}: {detail}");
            Assert.NotNull(response.Headers.RetryAfter);
        }

        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("failed", models[0].GetProperty("state").GetString());
        Assert.Contains(reasonMentions, models[0].GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        // Its only model failed: nothing can be served, so the service reports itself unhealthy.
        var health = await host.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var report = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unhealthy", report.GetProperty("status").GetString());
        Assert.Equal("ok", report.GetProperty("database").GetString());
        Assert.Equal(0, report.GetProperty("modelsLoaded").GetInt32());
        Assert.Equal(1, report.GetProperty("modelsFailed").GetInt32());
    }

    [Fact]
    public async Task The_default_settings_serve_the_embedded_arithmetic_model_from_the_repository()
    {
        // No model settings: the root appsettings.json's default model, whether or not its folder is committed yet.
        await using var host = new ServiceHost(_data, engine: null);
        var model = Assert.Single(host.Services.GetRequiredService<IEngineProvider>().Models);
        Assert.Equal("arithmetic", model.Name);
        Assert.True(model.IsDefault);
        Assert.Equal(Checkout.EmbeddedModel, model.Path);

        var health = await host.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var response = await host.Client.PostAsync("/solve", ServiceApi.Json(Request));
        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        if (File.Exists(Path.Combine(model.Path, "config.json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal("loaded", models[0].GetProperty("state").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("failed", models[0].GetProperty("state").GetString());
            Assert.Contains("does not exist", models[0].GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task A_submission_waits_a_bounded_time_for_a_loading_model_then_answers_503_to_retry()
    {
        var factory = new GatedEngineFactory();
        var settings = TinyArithmeticCheckpoint.ModelSettings("slow", "/models/slow");
        settings["Service:ModelLoadWaitSeconds"] = "0.2";
        await using var host = new ServiceHost(_data, engine: null, settings, services: s => s.AddSingleton<IEngineFactory>(factory));

        var response = await host.Client.PostAsync("/solve", ServiceApi.Json(Request));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("loading", problem.GetProperty("state").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("loading", (await host.Client.GetFromJsonAsync<JsonElement>("/models"))[0].GetProperty("state").GetString());
        Assert.Equal(1, factory.Loads);

        factory.Open(new FakeDiscoveryEngine { DiscoverAt = _ => 1 });
        var id = await ServiceApi.SubmitAsync(host.Client, Request);
        Assert.Equal("discovered", (await ServiceApi.WaitForEndAsync(host.Client, id)).Frames.LastMethodEvent().Event);
        Assert.Equal(1, factory.Loads);
    }

    [Fact]
    public async Task A_failed_load_is_tried_again_after_the_retry_interval()
    {
        var factory = new GatedEngineFactory { FailuresFirst = 1 };
        await using var host = FlakyModelHost(factory);
        factory.Open(new FakeDiscoveryEngine { DiscoverAt = _ => 0 });

        var first = await host.Client.PostAsync("/solve", ServiceApi.Json(Request));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("checkpoint is being copied", await first.Content.ReadAsStringAsync());

        var id = await ServiceApi.SubmitAsync(host.Client, Request);
        Assert.Equal("discovered", (await ServiceApi.WaitForEndAsync(host.Client, id)).Frames.LastMethodEvent().Event);
        Assert.Equal(2, factory.Loads);
    }

    [Fact]
    public async Task Health_is_503_while_every_model_has_failed_and_its_check_tries_the_load_again()
    {
        var factory = new GatedEngineFactory { FailuresFirst = 1 };
        await using var host = FlakyModelHost(factory);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.PostAsync("/solve", ServiceApi.Json(Request))).StatusCode);
        Assert.Equal(1, factory.Loads);

        // No submission comes in (a balancer sends none to an unhealthy service): the health check starts the retry
        // itself, and while that retry loads the model still counts as failed.
        for (int check = 0; check < 3; check++)
        {
            var health = await host.Client.GetAsync("/health");
            var failing = await health.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal(1, failing.GetProperty("modelsFailed").GetInt32());
        }
        Assert.Equal(2, factory.Loads);

        factory.Open(new FakeDiscoveryEngine { DiscoverAt = _ => 0 });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement report;
        while (true)
        {
            var health = await host.Client.GetAsync("/health");
            report = await health.Content.ReadFromJsonAsync<JsonElement>();
            if (health.StatusCode == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline, $"/health never became healthy: {report}");
            await Task.Delay(50);
        }
        Assert.Equal(2, factory.Loads);
        Assert.Equal(PythonTheoryAttribute.HealthyStatus, report.GetProperty("status").GetString());
        Assert.Equal(1, report.GetProperty("modelsLoaded").GetInt32());
        Assert.Equal(0, report.GetProperty("modelsFailed").GetInt32());
    }

    /// <summary>A service whose one model, loaded by <paramref name="factory"/> at first use, may be tried again at once.</summary>
    private ServiceHost FlakyModelHost(GatedEngineFactory factory)
    {
        var settings = TinyArithmeticCheckpoint.ModelSettings("flaky", "/models/flaky");
        settings["Service:ModelRetrySeconds"] = "0";
        settings["Service:LoadModelsAtStart"] = "false";
        return new ServiceHost(_data, engine: null, settings, services: s => s.AddSingleton<IEngineFactory>(factory));
    }

    // vocab_size 257, the arithmetic tokenizer's: a smaller one is a fault of its own (ids without an embedding).
    private const string ValidConfig = """
        {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 257, "hidden_size": 8, "intermediate_size": 16,
         "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 4, "max_position_embeddings": 32,
         "rms_norm_eps": 1e-6, "rope_theta": 10000, "tie_word_embeddings": true, "torch_dtype": "float32", "eos_token_id": 2}
        """;


    /// <summary>Loads only when the test opens the gate; fails the first <see cref="FailuresFirst"/> loads.</summary>
    private sealed class GatedEngineFactory : IEngineFactory
    {
        private readonly TaskCompletionSource<IDiscoveryEngine> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _loads;

        public int FailuresFirst { get; init; }

        public int Loads => Volatile.Read(ref _loads);

        public void Open(IDiscoveryEngine engine) => _gate.TrySetResult(engine);

        public async Task<IDiscoveryEngine> LoadAsync(ModelInfo model)
        {
            var load = Interlocked.Increment(ref _loads);
            if (load <= FailuresFirst) throw new IOException("The checkpoint is being copied.");
            return await _gate.Task;
        }
    }
}
