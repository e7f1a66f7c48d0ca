using static TorchSharp.torch;

namespace Sdpo.Engine.Scoring;

/// <summary>
/// The K most likely tokens of each distribution plus the probability mass outside them, as used by top-K
/// distillation losses. The tail is log(1 - sum_topK p) = log(-expm1(logsumexp(topK log p))), computed
/// without forming 1 - p in float32, and its probability clamped below at <see cref="MinTailProbability"/>
/// so neither the value nor its gradient becomes infinite when the top K hold (numerically) all the mass.
/// </summary>
public static class TopKTail
{
    public const double MinTailProbability = 1e-12;

    /// <param name="logProbs">[..., vocab] log-probabilities</param>
    /// <returns>top-K log-probabilities [..., K] (descending), their ids [..., K], and the tail log-mass [...]</returns>
    public static (Tensor Values, Tensor Indices, Tensor TailLogProb) Compute(Tensor logProbs, int k)
    {
        var vocab = logProbs.shape[^1];
        if (k < 1 || k > vocab) throw new ArgumentOutOfRangeException(nameof(k), k, $"K must lie in [1, {vocab}].");
        using var scope = NewDisposeScope();
        var (values, indices) = logProbs.topk(k, -1);
        return scope.MoveToOuter(values, indices, TailLogProb(values));
    }

    /// <summary>log(1 - sum p) over the last dimension of some tokens' log-probabilities [..., K]: the tail [...].</summary>
    public static Tensor TailLogProb(Tensor keptLogProbs)
    {
        using var scope = NewDisposeScope();
        var keptMass = keptLogProbs.logsumexp(-1).clamp_max(0);
        return keptMass.expm1().neg().clamp_min(MinTailProbability).log().MoveToOuterDisposeScope();
    }
}
