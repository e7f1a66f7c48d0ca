namespace Sdpo.Contracts;

/// <summary>A verifier that can tell, before verifying, which answers must get the same pass or fail: answers with the
/// same equivalence key pass together or fail together (arithmetic: the same numbers used and the same value), so an
/// answer equivalent to one that failed need not be tried (the request's <c>sampling.distinctEquivalence</c>).</summary>
public interface IEquivalenceVerifier : IVerifier
{
    /// <summary>The answer's key; null when the answer has none (it is then only the same as its own text). Pure, cheap,
    /// and safe to call concurrently.</summary>
    string? EquivalenceKey(string answer);
}
