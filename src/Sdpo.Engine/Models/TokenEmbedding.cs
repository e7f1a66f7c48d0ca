using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>The token embedding table [vocab, hidden]; with tied embeddings it is also the output head.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names match checkpoint tensors
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public TokenEmbedding(long vocabSize, long hiddenSize, ScalarType dtype, Device device) : base(nameof(TokenEmbedding))
    {
        weight = new Parameter(empty(vocabSize, hiddenSize, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var shape = inputIds.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, inputIds.reshape(-1)).reshape(shape).MoveToOuterDisposeScope();
    }
}
