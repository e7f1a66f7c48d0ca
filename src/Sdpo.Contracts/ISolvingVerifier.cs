namespace Sdpo.Contracts;

/// <summary>A verifier that can also find passing answers itself (arithmetic puzzles, by exhaustive search): used to
/// measure the teacher advantage against the correct answer nearest to a failed attempt, never shown to the model.</summary>
public interface ISolvingVerifier : IVerifier
{
    /// <summary>The passing answer nearest to <paramref name="attempt"/>; null when the problem has none.</summary>
    string? NearestSolution(string attempt);
}
