using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly Attention self_attn;
    private readonly Mlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006

    public DecoderLayer(ModelConfig config, int layerIndex, ScalarType dtype, Device device) : base(nameof(DecoderLayer))
    {
        self_attn = new Attention(config, layerIndex, dtype, device);
        mlp = new Mlp(config, dtype, device);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        RegisterComponents();
    }

    internal Tensor Forward(Tensor hidden, AttentionInputs inputs, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var afterAttention = hidden.add(self_attn.Forward(input_layernorm.call(hidden), inputs, cache));
        return afterAttention.add(mlp.call(post_attention_layernorm.call(afterAttention))).MoveToOuterDisposeScope();
    }
}
