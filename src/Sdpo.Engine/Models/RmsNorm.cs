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
        // Not in place: for float32 input, to() returns the input itself, which the residual still needs.
        var x = input.to(ScalarType.Float32);
        var inverseRms = x.square().mean([-1], keepdim: true).add_(_eps).rsqrt_();
        return weight.mul(x.mul(inverseRms).to(input.dtype)).MoveToOuterDisposeScope();
    }
}
