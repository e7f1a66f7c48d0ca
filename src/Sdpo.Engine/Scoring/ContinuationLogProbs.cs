using static TorchSharp.torch;

namespace Sdpo.Engine.Scoring;

/// <summary>
/// The model's full next-token distributions at the positions that predict each continuation token, for a
/// batch of (context, continuation) pairs, in float32. Row b, column j is the distribution over the j-th
/// continuation token of pair b; columns at or past that continuation's length are padding (mask 0).
/// Carries autograd history when computed with grad enabled. Owns its tensors: dispose it, or move the
/// tensors out, when done.
/// </summary>
public sealed class ContinuationLogProbs : IDisposable
{
    internal ContinuationLogProbs(Tensor logProbs, Tensor targetIds, Tensor mask, int[] lengths)
    {
        LogProbs = logProbs;
        TargetIds = targetIds;
        Mask = mask;
        Lengths = lengths;
    }

    /// <summary>[B, Lmax, vocab] log-softmax of the logits, float32.</summary>
    public Tensor LogProbs { get; }

    /// <summary>[B, Lmax] int64: the continuation tokens (0 at padding).</summary>
    public Tensor TargetIds { get; }

    /// <summary>[B, Lmax] float32: 1 at real continuation tokens, 0 at padding.</summary>
    public Tensor Mask { get; }

    /// <summary>Each continuation's length.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>[B, Lmax] log-probabilities of the continuation tokens themselves (0 at padding), read from
    /// <see cref="LogProbs"/> or from <paramref name="logProbs"/>, a [B, Lmax, vocab] transform of them (renormalised
    /// over a grammar, say).</summary>
    public Tensor TokenLogProbs(Tensor? logProbs = null)
    {
        using var scope = NewDisposeScope();
        return (logProbs ?? LogProbs).gather(-1, TargetIds.unsqueeze(-1)).squeeze(-1).mul(Mask).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        LogProbs.Dispose();
        TargetIds.Dispose();
        Mask.Dispose();
    }
}
