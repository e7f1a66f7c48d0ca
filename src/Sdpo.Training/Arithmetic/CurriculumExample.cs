namespace Sdpo.Training.Arithmetic;

public enum CurriculumExampleKind
{
    /// <summary>Prompt → a correct expression.</summary>
    Direct,
    /// <summary>SDPO's teacher context (prompt + feedback on a failed attempt) → a correct expression near that attempt.</summary>
    Teacher,
    /// <summary>"Evaluate: " + an expression → the value of each of its operations in evaluation order.</summary>
    Evaluation,
}

/// <summary>One training text: the model learns to produce <see cref="Completion"/> after <see cref="Context"/>, its
/// log-likelihood scaled by <see cref="Weight"/> (a policy-gradient advantage for the model's own samples).</summary>
public sealed record CurriculumExample(CurriculumExampleKind Kind, string Context, string Completion, double Weight = 1.0);
