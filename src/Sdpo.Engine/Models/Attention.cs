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
        if (cache?.Shared is { } shared)
        {
            var (promptKeys, promptValues) = shared.Layer(_layerIndex);
            attended = AttendWithSharedPrompts(queries, promptKeys, promptValues, keys, values, inputs.SharedPromptBias!);
        }
        else if (length == 1 && _heads != _keyValueHeads)
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

    /// <summary>
    /// One decoding step of rows that read their prompt's keys and values from one shared copy per prompt
    /// (<see cref="SharedPrompts"/>) and their own later positions from the cache. Every row's query is scored
    /// against every prompt's columns in one matrix product per key/value head, and the bias leaves each row only its
    /// own prompt's real positions: a little arithmetic wasted on the other prompts, in exchange for reading each
    /// prompt once instead of once per row. Softmax runs over both parts together, so this is plain attention.
    /// </summary>
    /// <param name="queries">[B, heads, 1, head_dim], rotated</param>
    /// <param name="promptKeys">[kv_heads, prompts × P, head_dim]</param>
    /// <param name="rowKeys">[B, kv_heads, S, head_dim], the positions after the prompts, the new one included</param>
    /// <param name="bias">[1, B, 1, prompts × P + S], 0 where a row may attend and −∞ elsewhere</param>
    private Tensor AttendWithSharedPrompts(Tensor queries, Tensor promptKeys, Tensor promptValues, Tensor rowKeys, Tensor rowValues, Tensor bias)
    {
        var batch = queries.shape[0];
        var groups = _heads / _keyValueHeads;
        var promptColumns = promptKeys.shape[1];
        var rowColumns = rowKeys.shape[2];
        // Query head kv·groups + g is block row g of key/value head kv, the order RepeatKeyValueHeads gives.
        var grouped = queries.reshape(batch, _keyValueHeads, groups, _headDim).mul(1.0 / Math.Sqrt(_headDim));
        var byHead = grouped.permute(1, 0, 2, 3).reshape(_keyValueHeads, batch * groups, _headDim);
        var promptScores = byHead.bmm(promptKeys.transpose(1, 2)).view(_keyValueHeads, batch, groups, promptColumns);
        var rowScores = grouped.matmul(rowKeys.transpose(2, 3)).permute(1, 0, 2, 3);
        var weights = cat([promptScores, rowScores], -1).add(bias).softmax(-1, ScalarType.Float32).to(queries.dtype);
        var fromPrompts = weights.narrow(-1, 0, promptColumns).reshape(_keyValueHeads, batch * groups, promptColumns)
            .bmm(promptValues).view(_keyValueHeads, batch, groups, _headDim).permute(1, 0, 2, 3);
        var fromRows = weights.narrow(-1, promptColumns, rowColumns).permute(1, 0, 2, 3).matmul(rowValues);
        return fromPrompts.add(fromRows).reshape(batch, _heads, 1, _headDim);
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
