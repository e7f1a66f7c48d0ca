namespace Sdpo.Training.Arithmetic;

/// <summary>Where a pretraining run stands when <see cref="ArithmeticPretrainer.Run"/> returns: steps done of the
/// total, training time over every session of the run, and whether the checkpoint already held every step (then
/// nothing was trained or rewritten).</summary>
public sealed record PretrainSummary(int Steps, int TotalSteps, TimeSpan Elapsed, bool AlreadyComplete);
