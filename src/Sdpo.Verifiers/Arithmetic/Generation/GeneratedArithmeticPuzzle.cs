using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Arithmetic.Generation;

/// <summary>A generated puzzle with the solver's result for it (always solvable).</summary>
public sealed record GeneratedArithmeticPuzzle(ArithmeticPuzzle Puzzle, ArithmeticSolution Solution)
{
    public double HitShare => Solution.HitShare;
}
