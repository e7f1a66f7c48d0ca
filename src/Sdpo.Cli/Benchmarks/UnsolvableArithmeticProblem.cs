using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// A problem whose verifier never passes but always gives feedback: an arithmetic puzzle whose target no
/// expression reaches (three 1s make at most 3), judged by the real arithmetic verifier. Discovery runs on it
/// go to their budget, with the feedback (and so the teacher contexts) the service would produce.
/// </summary>
public static class UnsolvableArithmeticProblem
{
    public static readonly ArithmeticPuzzle Puzzle = new([1, 1, 1], 997);

    public static Problem Problem => Puzzle.ToProblem("bench-unsolvable");

    public static IVerifier Verifier => Puzzle.CreateVerifier();
}
