namespace Sdpo.Engine.Training;

/// <summary>A token sequence whose tokens from <see cref="CompletionStart"/> on are the ones the model learns to produce.</summary>
public sealed record TrainingExample(IReadOnlyList<int> Tokens, int CompletionStart)
{
    public void Validate()
    {
        if (CompletionStart < 1 || CompletionStart >= Tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(CompletionStart), CompletionStart,
                $"A training example needs at least one context and one completion token (it has {Tokens.Count} tokens).");
    }
}
