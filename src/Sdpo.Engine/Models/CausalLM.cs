using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>
/// A decoder-only language model in Hugging Face layout (<c>model.*</c> body and <c>lm_head</c>; with tied
/// embeddings there is no lm_head and the embedding table projects to the vocabulary), so checkpoint tensors
/// load by name. Every linear layer is an <see cref="AdaptableLinear"/> that a LoRA adapter can attach to.
/// Parameters are created with requires_grad = false; whoever trains the base weights turns it on.
/// </summary>
public sealed class CausalLM : nn.Module
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly DecoderStack model;
    private readonly AdaptableLinear? lm_head;
#pragma warning restore IDE1006
    private readonly RotaryEmbedding _rotary;

    public CausalLM(ModelConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(CausalLM))
    {
        ModelDtype.Require(dtype);
        Config = config;
        Dtype = dtype;
        Device = device ?? CPU;
        model = new DecoderStack(config, dtype, Device);
        if (!config.TieWordEmbeddings)
            lm_head = new AdaptableLinear(config.HiddenSize, config.VocabSize, hasBias: false, dtype, Device);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta);
        RegisterComponents();
        // The weights live as long as the model, not as long as whatever dispose scope built it
        // (device threads run each work item in a scope).
        foreach (var parameter in parameters()) parameter.DetachFromDisposeScope();
        foreach (var buffer in buffers()) buffer.DetachFromDisposeScope();
        // The module tree is fixed from here on (adapters attach to layers, they add none).
        AdaptableModuleNames = AdaptableLayers().Select(layer => layer.Name[(layer.Name.LastIndexOf('.') + 1)..]).Distinct(StringComparer.Ordinal).ToList();
    }

    public ModelConfig Config { get; }
    public ScalarType Dtype { get; }
    public Device Device { get; }

    /// <summary>Logits [B, T, vocab] (in the model dtype) for the new tokens <paramref name="inputIds"/> [B, T].</summary>
    /// <param name="cache">positions computed earlier; the new ones are appended to it. Null: no past.</param>
    /// <param name="attentionMask">[B, past + T], 1 = real token, 0 = padding (left padding for prompts of
    /// different lengths; positions count from each row's first real token). Null: nothing is padded.</param>
    public Tensor Forward(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        return Logits(ForwardHidden(inputIds, cache, attentionMask)).MoveToOuterDisposeScope();
    }

    /// <summary>The final-norm hidden states [B, T, hidden], before the output head; see <see cref="Forward"/>.</summary>
    public Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"inputIds must be an int64 [batch, length] tensor, got {inputIds.dtype} {ShapeText(inputIds)}.", nameof(inputIds));
        var batch = (int)inputIds.shape[0];
        var newLength = (int)inputIds.shape[1];
        if (newLength == 0) throw new ArgumentException("inputIds holds no tokens.", nameof(inputIds));
        var pastLength = cache?.Length ?? 0;
        var totalLength = pastLength + newLength;
        if (totalLength > Config.MaxPositionEmbeddings)
            throw new ContextLengthException(totalLength, Config.MaxPositionEmbeddings, "sequence");
        if (cache is not null)
        {
            if (totalLength > cache.Capacity) throw new ContextLengthException(totalLength, cache.Capacity, "sequence (KV cache capacity)");
            if (cache.BatchSize != batch) throw new ArgumentException($"The KV cache holds {cache.BatchSize} rows but inputIds has {batch}.", nameof(cache));
            if (cache.Shared is not null && newLength != 1)
                throw new ArgumentException($"A KV cache whose rows share their prompts takes one new token per row at a time, not {newLength}.", nameof(inputIds));
        }
        if (attentionMask is not null && (attentionMask.dim() != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != totalLength))
            throw new ArgumentException($"attentionMask must be [{batch}, {totalLength}] (past + new positions), got {ShapeText(attentionMask)}.", nameof(attentionMask));

        using var scope = NewDisposeScope();
        var inputs = AttentionInputs.Create(_rotary, batch, pastLength, newLength, attentionMask?.to(Device), Dtype, Device, cache?.Shared);
        var hidden = model.Forward(inputIds.to(Device), inputs, cache);
        cache?.Advance(newLength);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>Projects hidden states [..., hidden] to logits [..., vocab] with lm_head or the tied embeddings.</summary>
    public Tensor Logits(Tensor hidden) =>
        lm_head is not null ? lm_head.call(hidden) : nn.functional.linear(hidden, model.EmbedTokens.Weight);

    /// <summary>A KV cache for this model: <paramref name="capacity"/> positions for <paramref name="batchSize"/> rows.</summary>
    public KvCache CreateCache(int batchSize, int capacity) => new(Config, batchSize, capacity, Dtype, Device);

    /// <summary>Every linear layer by its state-dict prefix (e.g. "model.layers.0.self_attn.q_proj"), for adapters.</summary>
    public IEnumerable<(string Name, AdaptableLinear Layer)> AdaptableLayers() =>
        named_modules().Where(m => m.module is AdaptableLinear).Select(m => (m.name, (AdaptableLinear)m.module));

    /// <summary>The distinct last names of <see cref="AdaptableLayers"/> (q_proj, ..., down_proj, and lm_head when the
    /// model has its own), in the order the layers come.</summary>
    public IReadOnlyList<string> AdaptableModuleNames { get; }

    /// <summary>Fills the weights with a seeded random initialisation (normal(0, std) for matrices and
    /// embeddings, zero biases, unit norms), for tests and for pretraining from scratch.</summary>
    public void InitializeWeights(long seed, double std = 0.02)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else parameter.copy_(normal(0.0, std, parameter.shape, ScalarType.Float32, CPU, generator: generator));
        }
    }

    private static string ShapeText(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
