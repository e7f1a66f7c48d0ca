using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Generation;
using Sdpo.TestSupport;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Models;

/// <summary>End-to-end agreement with llama2.c run.c on Karpathy's stories260K (see shared/models/stories260k).</summary>
public class Stories260kConformanceTests
{
    private const int Bos = 1;

    private static JsonElement Golden(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SharedData.Require(TinyModels.Stories260kGoldens)));
        return document.RootElement.GetProperty(name).Clone();
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [SharedDataTheory(TinyModels.Stories260kGoldens)]
    [InlineData("prompt_greedy", "max_new_tokens")]
    [InlineData("bos_greedy_200", "steps")]
    [InlineData("bos_greedy_256", "steps")]
    public void GreedyContinuationMatchesRunC(string goldenName, string lengthField)
    {
        var golden = Golden(goldenName);
        using var model = CheckpointLoader.Load(TinyModels.Stories260kFolder);
        var generator = new TextGenerator(model);

        var result = generator.Generate(Ints(golden.GetProperty("prompt_ids")), new SamplingOptions
        {
            Temperature = 0,
            MaxNewTokens = golden.GetProperty(lengthField).GetInt32(),
            StopTokenIds = [Bos], // llama2.c ends a story when the model emits BOS
        });

        Assert.Equal(Ints(golden.GetProperty("new_ids")), result.TokenIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [SharedDataTheory(TinyModels.Stories260kGoldens)]
    [InlineData("logits_once_upon_a_time")]
    [InlineData("logits_bos_position0")]
    public void LogitsMatchRunC(string goldenName)
    {
        var golden = Golden(goldenName);
        var expected = golden.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var tolerance = golden.GetProperty("tolerance").GetDouble();
        var promptIds = Ints(golden.GetProperty("prompt_ids"));
        var position = golden.GetProperty("position").GetInt32();
        using var model = CheckpointLoader.Load(TinyModels.Stories260kFolder);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        var logits = model.Forward(tensor(promptIds.Select(id => (long)id).ToArray(), [1, promptIds.Length]));
        var actual = logits[0, position].data<float>().ToArray();

        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"max |logit difference| {worst} exceeds {tolerance}");
        Assert.Equal(golden.GetProperty("argmax").GetInt32(), Array.IndexOf(actual, actual.Max()));
    }
    [SharedDataTheory(TinyModels.Stories260kGoldens)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void HalfPrecisionLoadsAndStaysCloseToFloat32(ScalarType dtype)
    {
        var golden = Golden("prompt_greedy");
        var prompt = Ints(golden.GetProperty("prompt_ids"));
        using var model = CheckpointLoader.Load(TinyModels.Stories260kFolder, dtype);
        Assert.Equal(dtype, model.Dtype);

        var result = new TextGenerator(model).Generate(prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = 16 });
        // Early greedy steps have wide top-2 margins, so reduced precision keeps the float32 choices.
        Assert.Equal(Ints(golden.GetProperty("new_ids")).Take(16), result.TokenIds);

        var expected = Golden("logits_once_upon_a_time").GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.Forward(tensor(prompt.Select(id => (long)id).ToArray(), [1, prompt.Length]));
        Assert.Equal(dtype, logits.dtype);
        var actual = logits[0, prompt.Length - 1].to(ScalarType.Float32).data<float>().ToArray();
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 0.5, $"max |logit difference| to float32 is {worst}");
    }
    [SharedDataFact(TinyModels.Stories260kGoldens)]
    public void DecodedTextMatchesRunCAndStopsAtAStopString()
    {
        var golden = Golden("prompt_greedy");
        var expectedText = golden.GetProperty("new_text").GetString()!;
        using var tokenizerFile = File.OpenRead(Path.Combine(TinyModels.Stories260kFolder, "tokenizer.model"));
        var tokenizer = LlamaTokenizer.Create(tokenizerFile);
        using var model = CheckpointLoader.Load(TinyModels.Stories260kFolder);
        var generator = new TextGenerator(model, ids => tokenizer.Decode(ids));
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 128, StopTokenIds = [Bos] };
        var prompt = Ints(golden.GetProperty("prompt_ids"));

        Assert.Equal(expectedText, generator.Generate(prompt, options).Text);

        var stopped = generator.Generate(prompt, options with { StopStrings = [" park."] });
        Assert.Equal(FinishReason.StopString, stopped.FinishReason);
        Assert.Equal(expectedText[..expectedText.IndexOf(" park.", StringComparison.Ordinal)], stopped.Text);
    }
}
