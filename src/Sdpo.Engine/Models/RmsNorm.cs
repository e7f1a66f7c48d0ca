using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>Root-mean-square layer norm, y = w * x / sqrt(mean(x^2) + eps), normalising in float32 whatever the
/// model dtype (as Hugging Face does) and casting back before the weight.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly Parameter weight;
#pragma warning restore IDE1006
    private readonly double _eps;

    public RmsNorm(long size, double eps, ScalarType dtype, Device device) : base(nameof(RmsNorm))
    {
        _eps = eps;
        weight = new Parameter(ones(size, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var inverseRms = x.square().mean([-1], keepdim: true).add_(_eps).rsqrt_();
        // Out of place: x may be the input itself, which autograd still needs.
        return weight.mul(x.mul(inverseRms).to(input.dtype)).MoveToOuterDisposeScope();
    }
}
