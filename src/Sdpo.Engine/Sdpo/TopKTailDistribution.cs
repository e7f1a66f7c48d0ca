using Sdpo.Engine.Scoring;
using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// Reduces full next-token distributions to the student's top-K tokens plus one tail bucket holding the rest
/// of the mass (<see cref="TopKTail"/>), as SDPO does to keep the distillation cheap and stable. The teacher is
/// reduced over the student's tokens, so both distributions share one support of K + 1 buckets.
/// </summary>
public static class TopKTailDistribution
{
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
        return cat(new[] { kept, TopKTail.TailLogProb(kept).unsqueeze(-1) }, dim: -1);
    }
}
