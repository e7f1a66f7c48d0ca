using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// Reduces full next-token distributions to the student's top-K tokens plus one tail bucket holding the rest
/// of the mass, as SDPO does to keep the distillation cheap and stable. The tail log-mass is
/// log(1 − Σ top-K p) = log(−expm1(logsumexp(top-K log p))), clamped so that a top-K holding all the mass
/// (K = vocabulary size, or rounding) gives a tiny finite tail rather than −inf or NaN.
/// </summary>
public static class TopKTailDistribution
{
    /// <summary>Smallest tail probability kept; its contribution to any divergence is negligible.</summary>
    public const double MinTailProbability = 1e-12;

    /// <summary>The student's top-K token ids per position, chosen without gradient.</summary>
    public static Tensor TopKIndices(Tensor studentLogProbs, int k)
    {
        using var _ = no_grad();
        int kept = (int)Math.Min(k, studentLogProbs.shape[^1]);
        return studentLogProbs.topk(kept, dim: -1).indexes;
    }

    /// <summary>Gathers log-probs at <paramref name="indices"/> and appends the tail bucket: [..., K + 1].</summary>
    public static Tensor Reduce(Tensor logProbs, Tensor indices)
    {
        var kept = logProbs.gather(-1, indices);
        return cat(new[] { kept, TailLogMass(kept) }, dim: -1);
    }

    /// <summary>log(1 − Σ exp(keptLogProbs)) over the last dimension, keeping it as a size-1 dimension.</summary>
    public static Tensor TailLogMass(Tensor keptLogProbs)
    {
        var keptMass = keptLogProbs.logsumexp(-1, keepdim: true);
        // −expm1(x) = 1 − e^x is exact for x near 0, where 1 − exp(x) would cancel catastrophically.
        return keptMass.expm1().neg().clamp_min(MinTailProbability).log();
    }
}
