using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// The low-rank update of one linear layer, owned by an adapter and borrowed by an
/// <see cref="AdaptableLinear"/> while the adapter is attached: delta(x) = scaling * (x A^T) B^T.
/// Shapes follow PEFT: A is [rank, in_features], B is [out_features, rank]. Dropout (PEFT's lora_dropout) acts
/// on the branch's input only while the host layer is in training mode.
/// </summary>
public sealed class LoraPair
{
    public LoraPair(Parameter a, Parameter b, double scaling, double dropout = 0)
    {
        if (a.dim() != 2 || b.dim() != 2 || a.shape[0] != b.shape[1])
            throw new ArgumentException($"LoRA shapes do not chain: A {Shape(a)}, B {Shape(b)}.");
        A = a;
        B = b;
        Scaling = scaling;
        Dropout = dropout;
    }

    public Parameter A { get; }
    public Parameter B { get; }
    public double Scaling { get; }
    public double Dropout { get; }
    public int Rank => (int)A.shape[0];
    public long InFeatures => A.shape[1];
    public long OutFeatures => B.shape[0];

    public Tensor Delta(Tensor input, bool training = false)
    {
        var branchInput = training && Dropout > 0 ? nn.functional.dropout(input, Dropout, training: true) : input;
        return nn.functional.linear(nn.functional.linear(branchInput, A), B).mul_(Scaling);
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
