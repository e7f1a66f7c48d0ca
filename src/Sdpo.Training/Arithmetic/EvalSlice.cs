using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// One puzzle in ten, chosen by a stable hash of its numbers (in any order) and target, that training leaves out
/// (<see cref="CurriculumOptions.LeaveOutEvalSlice"/>) so that an eval can draw puzzles no run trained on. Small tiers
/// need it: 107,000 curriculum draws contain about four in five of the easy tier's puzzles.
/// </summary>
public static class EvalSlice
{
    public const int OneIn = 10;

    public static bool Contains(ArithmeticPuzzle puzzle) => TrainingSeeds.StableHash(TrainedPuzzles.Key(puzzle)) % OneIn == 0;
}
