namespace Sdpo.Engine.Scoring;

/// <summary>Per-token scores of one continuation given its context.</summary>
/// <param name="TokenLogProbs">log p(token_j | context, tokens before j), one per continuation token</param>
/// <param name="TopKLogProbs">per token, the K largest log-probabilities (descending), or null if not asked</param>
/// <param name="TopKIds">per token, the ids of those K tokens, or null</param>
/// <param name="TailLogProbs">per token, log(1 - sum of the top-K probabilities), or null</param>
public sealed record ContinuationScore(
    IReadOnlyList<float> TokenLogProbs,
    IReadOnlyList<float[]>? TopKLogProbs = null,
    IReadOnlyList<int[]>? TopKIds = null,
    IReadOnlyList<float>? TailLogProbs = null)
{
    public double TotalLogProb => TokenLogProbs.Sum(value => (double)value);
}
