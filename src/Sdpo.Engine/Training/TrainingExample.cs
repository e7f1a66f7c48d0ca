namespace Sdpo.Engine.Training;

/// <summary>
/// A token sequence whose tokens from <see cref="CompletionStart"/> on are the ones the model learns to produce.
/// <see cref="Weight"/> scales the example's log-likelihood in the loss: 1 for supervised data, a policy-gradient
/// advantage for the model's own samples (negative pushes a sample's probability down).
/// </summary>
public sealed record TrainingExample(IReadOnlyList<int> Tokens, int CompletionStart, double Weight = 1.0)
{
    public void Validate()
    {
        if (CompletionStart < 1 || CompletionStart >= Tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(CompletionStart), CompletionStart,
                $"A training example needs at least one context and one completion token (it has {Tokens.Count} tokens).");
        if (!double.IsFinite(Weight))
            throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "A training example's weight must be a finite number.");
    }
}
