namespace Sdpo.Engine.Discovery;

/// <summary>How many attempts a run may make, and how many it samples per step (G).</summary>
public sealed record DiscoveryBudget(int MaxAttempts = 64, int AttemptsPerStep = 8)
{
    public const int MaxAllowedAttempts = 100_000;
    public const int MaxAllowedAttemptsPerStep = 256;

    public void Validate()
    {
        if (MaxAttempts < 1 || MaxAttempts > MaxAllowedAttempts)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, $"budget.maxAttempts must be between 1 and {MaxAllowedAttempts}.");
        if (AttemptsPerStep < 1 || AttemptsPerStep > MaxAllowedAttemptsPerStep)
            throw new ArgumentOutOfRangeException(nameof(AttemptsPerStep), AttemptsPerStep, $"budget.attemptsPerStep must be between 1 and {MaxAllowedAttemptsPerStep}.");
    }
}
