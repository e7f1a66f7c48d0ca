using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>The transformer body (Hugging Face's <c>model</c>: <c>LlamaModel</c>, <c>Qwen2Model</c>, ...):
/// token embeddings, the decoder layers and the final norm.</summary>
public sealed class DecoderStack : nn.Module
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
#pragma warning restore IDE1006

    public DecoderStack(ModelConfig config, ScalarType dtype, Device device) : base(nameof(DecoderStack))
    {
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, dtype, device);
        layers = new ModuleList<DecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer(config, i, dtype, device)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        RegisterComponents();
    }

    public TokenEmbedding EmbedTokens => embed_tokens;

    /// <summary>Final-norm hidden states [B, T, hidden] for the new tokens.</summary>
    internal Tensor Forward(Tensor inputIds, AttentionInputs inputs, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = embed_tokens.call(inputIds);
        foreach (var layer in layers) hidden = layer.Forward(hidden, inputs, cache);
        return norm.call(hidden).MoveToOuterDisposeScope();
    }
}
