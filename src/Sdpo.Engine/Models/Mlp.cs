using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>The SiLU-gated feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly AdaptableLinear gate_proj;
    private readonly AdaptableLinear up_proj;
    private readonly AdaptableLinear down_proj;
#pragma warning restore IDE1006

    public Mlp(ModelConfig config, ScalarType dtype, Device device) : base(nameof(Mlp))
    {
        gate_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, config.MlpBias, dtype, device);
        up_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, config.MlpBias, dtype, device);
        down_proj = new AdaptableLinear(config.IntermediateSize, config.HiddenSize, config.MlpBias, dtype, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.call(x)).mul_(up_proj.call(x));
        return down_proj.call(gated).MoveToOuterDisposeScope();
    }
}
