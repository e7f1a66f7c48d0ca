namespace Sdpo.Training.Arithmetic;

/// <summary>Where pretraining stands. Held-out figures are null between evaluations.</summary>
public sealed record PretrainProgress(int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed,
    double? HeldOutLoss = null, double? HeldOutAccuracy = null);
