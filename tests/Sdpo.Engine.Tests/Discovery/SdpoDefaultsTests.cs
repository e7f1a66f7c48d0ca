using System.Text.Json;
using System.Text.Json.Nodes;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Discovery;

public sealed class SdpoDefaultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sdpo-defaults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private void WriteDefaults(string json) => File.WriteAllText(Path.Combine(_folder, SdpoDefaults.FileName), json);

    [Fact]
    public void A_folder_without_the_file_recommends_the_papers_defaults() =>
        Assert.Equal(new SdpoOptions(), SdpoDefaults.Load(_folder));

    [Fact]
    public void The_file_sets_only_its_fields()
    {
        WriteDefaults("""{"divergence": "forward-kl", "topK": 12} // measured on this model""");
        Assert.Equal(new SdpoOptions { Divergence = DivergenceKind.ForwardKl, TopK = 12 }, SdpoDefaults.Load(_folder));
    }

    [Theory]
    [InlineData("""{"divergense": "forward-kl"}""", "divergense")]
    [InlineData("""{"divergence": "forward"}""", "divergence")]
    [InlineData("""{"topK": 0}""", "sdpo.topK")]
    [InlineData("""["forward-kl"]""", "JSON object")]
    [InlineData("""{"topK": """, "sdpo_defaults.json")]
    public void A_bad_file_is_a_checkpoint_error_naming_the_file_and_the_fault(string json, string named)
    {
        WriteDefaults(json);
        var error = Assert.Throws<CheckpointException>(() => SdpoDefaults.Load(_folder));
        Assert.Contains(SdpoDefaults.FileName, error.Message);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_requests_fields_replace_exactly_those_fields_of_the_defaults()
    {
        var model = new SdpoOptions { Divergence = DivergenceKind.ForwardKl, TopK = 12 };
        Assert.Equal(model with { LearningRate = 1e-3 }, SdpoDefaults.Overlay(model, Json("""{"learningRate": 0.001}""")));
        // The paper's default named explicitly wins over the model's recommendation; names match in any case.
        Assert.Equal(model with { Divergence = DivergenceKind.ReverseKl }, SdpoDefaults.Overlay(model, Json("""{"Divergence": "reverse-kl"}""")));
        Assert.Equal(model with { LogRatioClip = null }, SdpoDefaults.Overlay(model, Json("""{"logRatioClip": null}""")));
        Assert.Equal(model with { DistillWithinGrammar = true }, SdpoDefaults.Overlay(model, Json("""{"distillWithinGrammar": true}""")));
        Assert.Equal(model, SdpoDefaults.Overlay(model, Json("null")));
        Assert.Throws<ArgumentOutOfRangeException>(() => SdpoDefaults.Overlay(model, Json("""{"learningRate": 2}""")));
    }

    [Fact]
    public void The_embedded_model_recommends_the_options_measured_best_on_its_hard_puzzles() =>
        // docs/results.md: forward KL ("Forward KL against reverse KL on four hard sets"), one update on one distilled
        // failure a step ("One distilled failure a step"), and the frozen teacher, which found as many answers as the EMA
        // teacher on four hard sets and keeps its context opening for the run ("A frozen teacher that keeps its opening").
        Assert.Equal(new SdpoOptions
            {
                Divergence = DivergenceKind.ForwardKl,
                Teacher = TeacherKind.Frozen,
                UpdatesPerBatch = 1,
                MaxDistilledAttempts = 1,
            },
            SdpoDefaults.Load(Checkout.EmbeddedModel));

    private sealed class AlwaysWrong : IVerifier
    {
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, "That is not the target."));
    }

    [Fact]
    public async Task A_request_without_sdpo_options_runs_with_the_models_defaults()
    {
        using var loaded = await LanguageModel.LoadAsync("arithmetic", Checkout.EmbeddedModel);
        Assert.Equal(DivergenceKind.ForwardKl, loaded.SdpoDefaults.Divergence);
        // The same weights under a recommendation whose effect is visible in the exported adapter.
        var recommending = new LanguageModel("arithmetic", loaded.Model, loaded.Tokenizer, loaded.Format, loaded.Thread,
            loaded.SdpoDefaults with { LoraRank = 2, LoraAlpha = 4 });
        var engine = new LocalDiscoveryEngine(recommending);
        Assert.Equal(2, engine.SdpoDefaults.LoraRank);

        var state = Path.Combine(_folder, "state");
        var request = new DiscoveryRequest(new Problem("Numbers: 1 1 1\nTarget: 999\nExpression: "), new AlwaysWrong(),
            Budget: new DiscoveryBudget(MaxAttempts: 4, AttemptsPerStep: 4), Sampling: new AttemptSampling(MaxNewTokens: 12), Seed: 3);
        var events = new List<DiscoveryEvent>();
        await foreach (var e in engine.RunAsync(request, state)) events.Add(e);

        Assert.IsType<Exhausted>(events[^1]);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(state, LocalDiscoveryEngine.AdapterFolder, "adapter_config.json")))!;
        Assert.Equal(2, config["r"]!.GetValue<int>());
    }
}
