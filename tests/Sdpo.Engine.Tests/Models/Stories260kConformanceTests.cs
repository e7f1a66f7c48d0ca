using System.Text.Json;
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
}
