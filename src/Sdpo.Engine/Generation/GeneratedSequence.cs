namespace Sdpo.Engine.Generation;

/// <summary>One sampled continuation.</summary>
/// <param name="TokenIds">the generated ids, without the stop token</param>
/// <param name="LogProbs">for each generated id, its log-probability under the model's unmodified
/// distribution: log-softmax of the raw logits, before temperature, top-k and top-p</param>
/// <param name="FinishReason">why generation ended</param>
/// <param name="Text">the decoded ids (cut before a stop string), or null when no decoder was given</param>
/// <param name="StopTokenId">the stop token that ended it, when <see cref="FinishReason.StopToken"/></param>
public sealed record GeneratedSequence(
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<float> LogProbs,
    FinishReason FinishReason,
    string? Text,
    int? StopTokenId = null);
