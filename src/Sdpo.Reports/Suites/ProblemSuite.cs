using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;

namespace Sdpo.Reports.Suites;

/// <summary>
/// Named built-in problem suites drawn deterministically by seed: "arithmetic-easy", "arithmetic-mid",
/// "arithmetic-hard" and "arithmetic-rare", the <see cref="DifficultyTier"/>s of the arithmetic puzzle generator.
/// The same name, count and seed always give the same puzzles in the same order.
/// </summary>
public static class ProblemSuite
{
    public const int MaxCount = 1000;
    private const string Prefix = "arithmetic-";

    public static IReadOnlyList<string> Names { get; } =
        Enum.GetValues<DifficultyTier>().Select(t => Prefix + t.ToString().ToLowerInvariant()).ToList();

    /// <summary>The tier a suite name stands for; false for an unknown name.</summary>
    public static bool TryParse(string? name, out DifficultyTier tier)
    {
        foreach (var candidate in Enum.GetValues<DifficultyTier>())
        {
            if (string.Equals(name, Prefix + candidate.ToString().ToLowerInvariant(), StringComparison.Ordinal))
            {
                tier = candidate;
                return true;
            }
        }
        tier = default;
        return false;
    }

    /// <summary>Draws <paramref name="count"/> puzzles; throws <see cref="ArgumentException"/> naming "name" or "count".</summary>
    public static IReadOnlyList<ArithmeticPuzzle> Generate(string name, int count, int seed)
    {
        if (!TryParse(name, out var tier))
            throw new ArgumentException($"Unknown suite '{name}'. Suites: {string.Join(", ", Names)}.", "name");
        if (count < 1 || count > MaxCount)
            throw new ArgumentOutOfRangeException("count", count, $"count must be between 1 and {MaxCount}.");
        return new ArithmeticPuzzleGenerator(tier, seed).Generate(count).Select(g => g.Puzzle).ToList();
    }

    /// <summary>A short label for reports and progress lines: "3 5 7 -> 22".</summary>
    public static string Label(ArithmeticPuzzle puzzle) =>
        $"{string.Join(' ', puzzle.Numbers)} -> {puzzle.Target}";
}
