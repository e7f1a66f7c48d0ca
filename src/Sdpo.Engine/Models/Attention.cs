using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>Multi-head self-attention with grouped key/value heads, rotary positions and (Qwen3) per-head
/// query/key RMS norms. Field names match Hugging Face's <c>self_attn</c> submodules.</summary>
public sealed class Attention : nn.Module
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly AdaptableLinear q_proj;
    private readonly AdaptableLinear k_proj;
    private readonly AdaptableLinear v_proj;
    private readonly AdaptableLinear o_proj;
    private readonly RmsNorm? q_norm;
    private readonly RmsNorm? k_norm;
#pragma warning restore IDE1006
    private readonly int _layerIndex;
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;

    public Attention(ModelConfig config, int layerIndex, ScalarType dtype, Device device) : base(nameof(Attention))
    {
        _layerIndex = layerIndex;
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = new AdaptableLinear(config.HiddenSize, _heads * _headDim, config.QkvBias, dtype, device);
        k_proj = new AdaptableLinear(config.HiddenSize, _keyValueHeads * _headDim, config.QkvBias, dtype, device);
        v_proj = new AdaptableLinear(config.HiddenSize, _keyValueHeads * _headDim, config.QkvBias, dtype, device);
        o_proj = new AdaptableLinear(_heads * _headDim, config.HiddenSize, config.OutputProjectionBias, dtype, device);
        if (config.UsesQueryKeyNorm)
        {
            q_norm = new RmsNorm(_headDim, config.RmsNormEps, dtype, device);
            k_norm = new RmsNorm(_headDim, config.RmsNormEps, dtype, device);
        }
        RegisterComponents();
    }

    internal Tensor Forward(Tensor hidden, AttentionInputs inputs, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var batch = hidden.shape[0];
        var length = hidden.shape[1];
        var queries = q_proj.call(hidden).view(batch, length, _heads, _headDim);
        var keys = k_proj.call(hidden).view(batch, length, _keyValueHeads, _headDim);
        var values = v_proj.call(hidden).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        if (q_norm is not null && k_norm is not null)
        {
            queries = q_norm.call(queries);
            keys = k_norm.call(keys);
        }
        queries = RotaryEmbedding.Apply(queries.transpose(1, 2), inputs.Cos, inputs.Sin);
        keys = RotaryEmbedding.Apply(keys.transpose(1, 2), inputs.Cos, inputs.Sin);
        if (cache is not null) (keys, values) = cache.Append(_layerIndex, keys, values);

        Tensor attended;
        if (length == 1 && _heads != _keyValueHeads)
        {
            // Decoding: the query heads that share a key/value head attend as one block of queries, so the cached
            // keys and values are read in place instead of being copied once per query head at every token (that
            // copy was most of the cost of decoding from a long context; docs/benchmarks.md). Block row g is query
            // head kv·groups + g, the order RepeatKeyValueHeads gives.
            var grouped = queries.reshape(batch, _keyValueHeads, _heads / _keyValueHeads, _headDim);
            attended = nn.functional.scaled_dot_product_attention(grouped, keys, values, attn_mask: inputs.Mask)
                .view(batch, _heads, length, _headDim);
        }
        else
        {
            attended = nn.functional.scaled_dot_product_attention(
                queries, RepeatKeyValueHeads(keys), RepeatKeyValueHeads(values),
                attn_mask: inputs.Mask, is_casual: inputs.IsCausal);
        }
        var merged = attended.transpose(1, 2).reshape(batch, length, _heads * _headDim);
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }

    /// <summary>Grouped-query attention: each key/value head serves <c>heads / kv_heads</c> query heads.</summary>
    private Tensor RepeatKeyValueHeads(Tensor x)
    {
        var groups = _heads / _keyValueHeads;
        if (groups == 1) return x;
        var (batch, length) = (x.shape[0], x.shape[2]);
        return x.unsqueeze(2).expand(batch, _keyValueHeads, groups, length, _headDim).reshape(batch, _heads, length, _headDim);
    }
}
