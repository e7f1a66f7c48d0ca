using Sdpo.Engine.Discovery;
using Sdpo.Engine.Runtime;
using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>The figures of one loss evaluation (detached scalars for reporting).</summary>
public sealed record DistillationFigures(double Loss, double MeanDivergence, double MeanTeacherStudentLogRatio, int Tokens);

/// <summary>
/// SDPO's objective over a batch of attempts: per token t of attempt i, the divergence between the student
/// π_θ(·|x, y&lt;t) and the stop-gradient teacher π_T(·|reprompt_i, y&lt;t) over the student's top-K tokens plus
/// one tail bucket; averaged over the tokens of each attempt, then over attempts.
/// </summary>
public static class DistillationLoss
{
    /// <param name="studentLogProbs">[N, L, V] full-vocabulary log-probs of the student, with gradient.</param>
    /// <param name="teacherLogProbs">[N, L, V] teacher log-probs at the same positions (any gradient is cut here).</param>
    /// <param name="tokens">[N, L] int64, the sampled tokens y (for the log-ratio figure and importance weights).</param>
    /// <param name="mask">[N, L] 1 for real tokens, 0 for padding.</param>
    /// <param name="oldLogProbs">[N, L] log π_old(y_t) of the sampling policy, when the batch is reused for
    /// more than one update: tokens are then weighted by exp(log π_θ − log π_old) truncated at the cap.</param>
    /// <param name="multiplicity">[N] how many identical attempts each row stands for (null: one each), so a batch
    /// of distinct attempts gives the loss and figures of the batch with its repeats.</param>
    public static (Tensor Loss, DistillationFigures Figures) Compute(
        Tensor studentLogProbs, Tensor teacherLogProbs, Tensor tokens, Tensor mask, SdpoOptions options, Tensor? oldLogProbs = null,
        Tensor? multiplicity = null)
    {
        var teacher = teacherLogProbs.detach();
        var indices = TopKTailDistribution.TopKIndices(studentLogProbs, options.TopK);
        var studentReduced = TopKTailDistribution.Reduce(studentLogProbs, indices);
        var teacherReduced = TopKTailDistribution.Reduce(teacher, indices);
        var perToken = TokenDivergence.Compute(studentReduced, teacherReduced, options.Divergence, options.JsdAlpha, options.LogRatioClip);

        var weights = mask.to(perToken.dtype);
        var tokenIndex = tokens.unsqueeze(-1);
        var studentTokenLogProbs = studentLogProbs.gather(-1, tokenIndex).squeeze(-1);
        if (oldLogProbs is not null)
        {
            using var _ = no_grad();
            var ratio = (studentTokenLogProbs.detach() - oldLogProbs).exp().clamp_max(options.ImportanceWeightCap);
            weights = weights * ratio;
        }

        var tokensPerAttempt = mask.sum(-1).to(perToken.dtype);
        var hasTokens = tokensPerAttempt > 0;
        var perAttempt = (perToken * weights).sum(-1) / tokensPerAttempt.clamp_min(1);
        var attemptWeights = hasTokens.to(perToken.dtype);
        if (multiplicity is not null) attemptWeights = attemptWeights * multiplicity.to(perToken.dtype);
        var loss = (perAttempt * attemptWeights).sum() / attemptWeights.sum().clamp_min(1);

        using (no_grad())
        {
            var maskF = mask.to(perToken.dtype);
            if (multiplicity is not null) maskF = maskF * multiplicity.to(perToken.dtype).unsqueeze(-1);
            double tokenCount = maskF.sum().ToScalarDouble();
            var teacherTokenLogProbs = teacher.gather(-1, tokenIndex).squeeze(-1);
            double meanDivergence = tokenCount > 0 ? (perToken.detach() * maskF).sum().ToScalarDouble() / tokenCount : 0;
            double meanLogRatio = tokenCount > 0 ? ((teacherTokenLogProbs - studentTokenLogProbs.detach()) * maskF).sum().ToScalarDouble() / tokenCount : 0;
            var figures = new DistillationFigures(loss.detach().ToScalarDouble(), meanDivergence, meanLogRatio, (int)tokenCount);
            return (loss, figures);
        }
    }
}
