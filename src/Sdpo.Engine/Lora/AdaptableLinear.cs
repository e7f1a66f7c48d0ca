using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// A linear layer of the base model (y = x W^T + b) that a LoRA adapter can attach to. Its fields are named
/// <c>weight</c> and <c>bias</c> as in Hugging Face checkpoints, so the base weights load by name. The
/// attached <see cref="Lora"/> pair is deliberately not a registered component: adapter parameters belong
/// to the adapter, never to the shared base model's state dict.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly Parameter weight;
    private readonly Parameter? bias;
#pragma warning restore IDE1006

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(AdaptableLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures, dtype: dtype, device: device), requires_grad: false);
        if (hasBias) bias = new Parameter(zeros(outFeatures, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>The attached adapter's update for this layer, or null when the plain base layer runs.</summary>
    public LoraPair? Lora { get; set; }

    /// <summary>W + scaling·B·A while the attached adapter is merged for no-grad passes (see
    /// <see cref="LoraAdapter.MergeForInference"/>): one matmul instead of three. Ignored whenever grad is
    /// enabled or LoRA dropout is active, so training always goes through the adapter's A and B.</summary>
    internal Tensor? MergedWeight { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (MergedWeight is { } merged && Lora is { } attached && !is_grad_enabled() && !(training && attached.Dropout > 0))
            return nn.functional.linear(input, merged, bias);
        var output = nn.functional.linear(input, weight, bias);
        if (Lora is not { } lora) return output;
        // Casts only for a half-precision base (the adapter is float32): each call costs a native round trip.
        var delta = lora.Delta(input.dtype == lora.A.dtype ? input : input.to(lora.A.dtype), training);
        return output.add_(delta.dtype == output.dtype ? delta : delta.to(output.dtype));
    }
}
