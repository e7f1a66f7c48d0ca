namespace Sdpo.Verifiers.Arithmetic.Solving;

/// <summary>
/// What the solver found for one puzzle. <see cref="HittingExpressionCount"/> and
/// <see cref="TotalExpressionCount"/> count expression trees as <see cref="ArithmeticCensus"/> defines them;
/// <see cref="DistinctSolutions"/> are the distinct canonical forms (see
/// <see cref="Expressions.CanonicalExpression"/>) among the hitting trees, shortest first, then ordinal.
/// When more trees hit than the solver was allowed to walk, <see cref="DistinctSolutionsTruncated"/> is set
/// and the list holds those found so far.
/// </summary>
public sealed record ArithmeticSolution(
    IReadOnlyList<int> Numbers,
    int Target,
    long HittingExpressionCount,
    long TotalExpressionCount,
    IReadOnlyList<string> DistinctSolutions,
    bool DistinctSolutionsTruncated)
{
    public bool IsSolvable => HittingExpressionCount > 0;

    /// <summary>The first distinct solution (shortest, then ordinal), or null when there is none.</summary>
    public string? CanonicalSolution => DistinctSolutions.Count > 0 ? DistinctSolutions[0] : null;

    /// <summary>The share of all expressions that hit the target: small means hard.</summary>
    public double HitShare => (double)HittingExpressionCount / TotalExpressionCount;
}
