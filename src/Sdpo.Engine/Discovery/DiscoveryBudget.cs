using System.Text.Json.Serialization;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// How many attempts a run may make, how many it samples per step (G), and, for the methods that carry feedback
/// from step to step (multi-turn and self-teacher), in how many chains: attempt i of a step belongs to chain
/// i mod <see cref="Chains"/>, so fewer chains than G draw several attempts from each context. Unset, every
/// attempt has its own chain.
/// </summary>
public sealed record DiscoveryBudget(int MaxAttempts = 64, int AttemptsPerStep = 8, int? Chains = null)
{
    public const int MaxAllowedAttempts = 100_000;
    public const int MaxAllowedAttemptsPerStep = 256;

    [JsonIgnore] public int EffectiveChains => Chains ?? AttemptsPerStep;

    public void Validate()
    {
        if (MaxAttempts < 1 || MaxAttempts > MaxAllowedAttempts)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, $"budget.maxAttempts must be between 1 and {MaxAllowedAttempts}.");
        if (AttemptsPerStep < 1 || AttemptsPerStep > MaxAllowedAttemptsPerStep)
            throw new ArgumentOutOfRangeException(nameof(AttemptsPerStep), AttemptsPerStep, $"budget.attemptsPerStep must be between 1 and {MaxAllowedAttemptsPerStep}.");
        if (Chains is { } chains && (chains < 1 || chains > AttemptsPerStep))
            throw new ArgumentOutOfRangeException(nameof(Chains), chains, $"budget.chains must be between 1 and budget.attemptsPerStep ({AttemptsPerStep}).");
    }
}
