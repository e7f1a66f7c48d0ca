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

    [Theory]
    [InlineData("""{"teacher": "emma"}""", "sdpo.teacher", "sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".")]
    [InlineData("""{"Teacher": null}""", "sdpo.Teacher", "sdpo.Teacher must be one of ema, frozen, trust-region; got null.")]
    [InlineData("""{"divergence": 1}""", "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got 1.")]
    [InlineData("""{"learningRate": "fast"}""", "sdpo.learningRate", "sdpo.learningRate must be a number; got \"fast\".")]
    // Only the kebab-case names as written, and numbers as JSON numbers: not the C# name, another case, or a number in a string.
    [InlineData("""{"teacher": "Frozen"}""", "sdpo.teacher", "sdpo.teacher must be one of ema, frozen, trust-region; got \"Frozen\".")]
    [InlineData("""{"divergence": "forwardkl"}""", "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got \"forwardkl\".")]
    [InlineData("""{"divergence": "1"}""", "sdpo.divergence", "sdpo.divergence must be one of reverse-kl, forward-kl, jensen-shannon; got \"1\".")]
    [InlineData("""{"learningRate": "0.1"}""", "sdpo.learningRate", "sdpo.learningRate must be a number; got \"0.1\".")]
    [InlineData("""{"loraLayers": ["1"]}""", "sdpo.loraLayers", "sdpo.loraLayers must be an array of integers or null; got [\"1\"].")]
    [InlineData("""{"loraRank": 2.5}""", "sdpo.loraRank", "sdpo.loraRank must be an integer; got 2.5.")]
    [InlineData("""{"logRatioClip": true}""", "sdpo.logRatioClip", "sdpo.logRatioClip must be a number or null; got true.")]
    [InlineData("""{"maxDistilledAttempts": "all"}""", "sdpo.maxDistilledAttempts", "sdpo.maxDistilledAttempts must be an integer or null; got \"all\".")]
    [InlineData("""{"basePrompt": "yes"}""", "sdpo.basePrompt", "sdpo.basePrompt must be a boolean (true or false); got \"yes\".")]
    [InlineData("""{"loraLayers": [1, "2x"]}""", "sdpo.loraLayers", "sdpo.loraLayers must be an array of integers or null; got [1, \"2x\"].")]
    [InlineData("""{"loraModules": "q_proj"}""", "sdpo.loraModules", "sdpo.loraModules must be an array of strings or null; got \"q_proj\".")]
    [InlineData("""[1]""", "sdpo", "sdpo must be a JSON object of SDPO options, or null for the defaults; got [1].")]
    public void A_field_of_the_wrong_type_or_value_is_named_as_written_with_what_it_takes(string json, string field, string message)
    {
        // The message is about the text given, whatever defaults it lies over: no merged JSON's positions, no .NET types.
        foreach (var defaults in new[] { new SdpoOptions(), SdpoDefaults.Load(Checkout.EmbeddedModel) })
        {
            var error = Assert.Throws<SdpoFieldException>(() => SdpoDefaults.Overlay(defaults, Json(json)));
            Assert.Equal(field, error.Field);
            Assert.Equal(message, error.Message);
        }
    }

    [Fact]
    public void An_unknown_field_is_named_with_the_options_there_are()
    {
        var error = Assert.Throws<SdpoFieldException>(() => SdpoDefaults.Overlay(new SdpoOptions(), Json("""{"topK": 5, "tpoK": 5}""")));
        Assert.Equal("sdpo.tpoK", error.Field);
        Assert.StartsWith("sdpo.tpoK is not an SDPO option; the options are learningRate, loraRank, loraAlpha, teacher, ", error.Message);
        Assert.EndsWith(", loraLayers, loraModules.", error.Message);
    }

    [Fact]
    public void The_file_names_a_bad_field_as_written_in_it()
    {
        WriteDefaults("""{"topK": 12, "teacher": "emma"}""");
        var error = Assert.Throws<CheckpointException>(() => SdpoDefaults.Load(_folder));
        Assert.EndsWith("is not valid SDPO options: sdpo.teacher must be one of ema, frozen, trust-region; got \"emma\".", error.Message);
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
