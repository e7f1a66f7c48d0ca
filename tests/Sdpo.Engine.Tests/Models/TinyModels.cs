using Sdpo.Engine.Models;
using Sdpo.TestSupport;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Models;

/// <summary>Small random models of each architecture, and the stories260k checkpoint, for tests.</summary>
internal static class TinyModels
{
    public const string Stories260k = "models/stories260k";
    public const string Stories260kGoldens = "models/stories260k/goldens.json";

    /// <summary>Qwen3 with per-head q/k norms, grouped KV heads and tied embeddings.</summary>
    public static ModelConfig Qwen3Config(bool tied = true) => ModelConfig.CreateQwen3(
        vocabSize: 97, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2, numAttentionHeads: 4,
        numKeyValueHeads: 2, headDim: 16, maxPositionEmbeddings: 64, tieWordEmbeddings: tied, bosTokenId: 1, eosTokenIds: [2]);

    /// <summary>Qwen2 with q/k/v biases and a separate lm_head.</summary>
    public static ModelConfig Qwen2Config() => Qwen3Config(tied: false) with
    {
        Architecture = ModelArchitecture.Qwen2,
        HeadDim = 8,
        QkvBias = true,
        RopeTheta = 10000,
    };

    public static CausalLM Random(ModelConfig config, long seed = 7, ScalarType dtype = ScalarType.Float32)
    {
        var model = new CausalLM(config, dtype);
        model.InitializeWeights(seed, std: 0.1);
        if (config.QkvBias) RandomizeBiases(model, seed);
        return model;
    }

    public static string Stories260kFolder => SharedData.Require(Stories260k);

    /// <summary>Biases start at zero; make them matter so a test can tell whether they are applied.</summary>
    private static void RandomizeBiases(CausalLM model, long seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed + 1);
        foreach (var (name, parameter) in model.named_parameters())
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.copy_(randn(parameter.shape, generator: generator).mul_(0.5));
    }

    public static int[] RandomIds(int count, int vocab, int seed) =>
        Enumerable.Range(0, count).Select(i => new Random(seed * 1000 + i).Next(3, vocab)).ToArray();
}
