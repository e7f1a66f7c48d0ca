using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Arithmetic.Generation;

/// <summary>
/// Draws puzzles that fit <see cref="DifficultyOptions"/>, deterministically for a seed: the same options and
/// seed give the same sequence. Each draw picks a count and numbers uniformly, builds their census, and
/// chooses the target uniformly among the integers in the target range whose hit share lies in the band;
/// a draw with no such target is redrawn. Every puzzle is solvable by construction and comes with the
/// solver's result. Cost per draw: about a millisecond for 4 numbers, tens for 5; 6 numbers take up to a
/// second per draw, so keep them to small batches.
/// </summary>
public sealed class ArithmeticPuzzleGenerator
{
    /// <summary>Draws per puzzle before giving up on options no numbers can satisfy.</summary>
    public const int MaxDrawsPerPuzzle = 500;

    private readonly Random _random;

    public ArithmeticPuzzleGenerator(DifficultyOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _random = new Random(seed);
    }

    public ArithmeticPuzzleGenerator(DifficultyTier tier, int seed) : this(DifficultyOptions.ForTier(tier), seed)
    {
    }

    public DifficultyOptions Options { get; }

    /// <summary>The next puzzle; throws <see cref="InvalidOperationException"/> if no draw fits the options.</summary>
    public GeneratedArithmeticPuzzle Next()
    {
        for (var draw = 0; draw < MaxDrawsPerPuzzle; draw++)
        {
            var count = _random.Next(Options.MinNumberCount, Options.MaxNumberCount + 1);
            var numbers = new int[count];
            for (var i = 0; i < count; i++) numbers[i] = _random.Next(Options.MinNumber, Options.MaxNumber + 1);
            var census = ArithmeticCensus.Of(numbers);
            var targets = FittingTargets(census);
            if (targets.Count == 0) continue;
            var target = targets[_random.Next(targets.Count)];
            return new GeneratedArithmeticPuzzle(new ArithmeticPuzzle(numbers, target), ArithmeticSolver.Solve(census, target));
        }
        throw new InvalidOperationException(
            $"No puzzle fits the difficulty options in {MaxDrawsPerPuzzle} draws: {Options}. Widen the target range or the hit-share band.");
    }

    public IEnumerable<GeneratedArithmeticPuzzle> Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++) yield return Next();
    }

    /// <summary>Reachable integer targets in range and in the share band, ascending (so the pick is deterministic).</summary>
    private List<int> FittingTargets(ArithmeticCensus census)
    {
        var minimumHits = Math.Max(1, (long)Math.Ceiling(Options.MinHitShare * census.TotalExpressionCount - 1e-9));
        var maximumHits = (long)Math.Floor(Options.MaxHitShare * census.TotalExpressionCount + 1e-9);
        var targets = new List<int>();
        foreach (var (value, hits) in census.ReachableValues)
        {
            if (value.IsInteger && value.Numerator >= Options.MinTarget && value.Numerator <= Options.MaxTarget
                && hits >= minimumHits && hits <= maximumHits)
                targets.Add((int)value.Numerator);
        }
        targets.Sort();
        return targets;
    }
}
