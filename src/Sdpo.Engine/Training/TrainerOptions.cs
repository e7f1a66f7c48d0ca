namespace Sdpo.Engine.Training;

/// <summary>Full-weight training of a language model: AdamW with linear warm-up then cosine decay.</summary>
public sealed record TrainerOptions
{
    public double LearningRate { get; init; } = 3e-3;
    public double MinLearningRateRatio { get; init; } = 0.1;
    public int WarmupSteps { get; init; } = 50;
    public int TotalSteps { get; init; } = 1000;
    public double WeightDecay { get; init; } = 0.1;
    public double MaxGradNorm { get; init; } = 1.0;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;

    /// <summary>The learning rate at a 0-based step.</summary>
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Math.Min(1.0, (step - WarmupSteps) / (double)Math.Max(1, TotalSteps - WarmupSteps));
        double floor = LearningRate * MinLearningRateRatio;
        return floor + (LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
