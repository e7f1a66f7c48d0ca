namespace Sdpo.Training.Arithmetic;

/// <summary>Where pretraining stands. Held-out figures are null between evaluations; <see cref="SampledPassRate"/> is the
/// share of this step's policy-gradient samples that passed (null without that term).</summary>
public sealed record PretrainProgress(int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed,
    double? HeldOutLoss = null, double? HeldOutAccuracy = null, double? SampledPassRate = null);
