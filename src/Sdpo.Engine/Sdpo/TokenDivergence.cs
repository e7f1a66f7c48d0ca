using Sdpo.Engine.Discovery;
using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// Per-position divergences between a student and a teacher distribution given as log-probabilities over the
/// same support (last dimension). Written out explicitly: TorchSharp's kl_div defaults differ from PyTorch's.
/// </summary>
public static class TokenDivergence
{
    /// <param name="student">Student log-probs, with gradient.</param>
    /// <param name="teacher">Teacher log-probs, treated as constant (detach before calling).</param>
    /// <param name="kind">Which divergence.</param>
    /// <param name="jsdAlpha">Mixture weight of the teacher in the Jensen–Shannon mixture.</param>
    /// <param name="logRatioClip">Optional bound on |log teacher − log student| per support element, for the KL divergences;
    /// Jensen–Shannon's log-ratios to its mixture are bounded already, and it ignores the clip.</param>
    /// <returns>The divergence per position: the input shape without its last dimension.</returns>
    public static Tensor Compute(Tensor student, Tensor teacher, DivergenceKind kind, double jsdAlpha = 0.5, double? logRatioClip = null)
    {
        var logRatio = teacher - student; // log q − log p
        if (logRatioClip is { } clip) logRatio = logRatio.clamp(-clip, clip);
        return kind switch
        {
            // KL(p ‖ q) = Σ p (log p − log q)
            DivergenceKind.ReverseKl => (student.exp() * logRatio.neg()).sum(-1),
            // KL(q ‖ p) = Σ q (log q − log p)
            DivergenceKind.ForwardKl => (teacher.exp() * logRatio).sum(-1),
            DivergenceKind.JensenShannon => JensenShannon(student, teacher, jsdAlpha),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown divergence."),
        };
    }

    /// <summary>Generalised JSD: α·KL(q ‖ m) + (1 − α)·KL(p ‖ m) with m = α·q + (1 − α)·p.</summary>
    private static Tensor JensenShannon(Tensor student, Tensor teacher, double alpha)
    {
        var mixture = stack(new[] { student + Math.Log(1 - alpha), teacher + Math.Log(alpha) }).logsumexp(0);
        var teacherToMixture = (teacher.exp() * (teacher - mixture)).sum(-1);
        var studentToMixture = (student.exp() * (student - mixture)).sum(-1);
        return teacherToMixture * alpha + studentToMixture * (1 - alpha);
    }
}
