namespace Sdpo.Verifiers.Arithmetic.Generation;

public enum DifficultyTier
{
    Easy,
    Mid,
    Hard,
    Rare,
}

/// <summary>
/// What the generator may produce: how many numbers (inclusive range), their range, the target range, and
/// the inclusive band for the share of all expressions over the numbers that hit the target (see
/// <see cref="Solving.ArithmeticCensus"/>); a rare hit makes a hard puzzle. A puzzle is always solvable, so a
/// lower bound of 0 still means at least one hitting expression.
/// </summary>
public sealed record DifficultyOptions
{
    public int MinNumberCount { get; init; } = 4;
    public int MaxNumberCount { get; init; } = 4;
    public int MinNumber { get; init; } = 1;
    public int MaxNumber { get; init; } = 13;
    public int MinTarget { get; init; } = 1;
    public int MaxTarget { get; init; } = 100;
    public double MinHitShare { get; init; }
    public double MaxHitShare { get; init; } = 1;

    /// <summary>
    /// Named presets. Shares are per expression tree, so they shrink with more numbers: 4 numbers give 3,240
    /// trees, 5 give 136,080. Easy: 3-4 small numbers and a target at least 1% of trees hit; Mid: 4 numbers
    /// up to 13 (the 24-game band), 0.2% to 1%; Hard: 4 numbers up to 25, at most 6 hitting trees (the 24
    /// game's notorious 3 3 8 8 has 4); Rare: 5 numbers up to 50 and a three-digit target, at most 13 of
    /// 136,080 trees.
    /// </summary>
    public static DifficultyOptions ForTier(DifficultyTier tier) => tier switch
    {
        DifficultyTier.Easy => new() { MinNumberCount = 3, MaxNumberCount = 4, MinNumber = 1, MaxNumber = 10, MinTarget = 1, MaxTarget = 50, MinHitShare = 0.01, MaxHitShare = 1 },
        DifficultyTier.Mid => new() { MinNumberCount = 4, MaxNumberCount = 4, MinNumber = 1, MaxNumber = 13, MinTarget = 10, MaxTarget = 100, MinHitShare = 0.002, MaxHitShare = 0.01 },
        DifficultyTier.Hard => new() { MinNumberCount = 4, MaxNumberCount = 4, MinNumber = 1, MaxNumber = 25, MinTarget = 20, MaxTarget = 300, MinHitShare = 0, MaxHitShare = 0.0019 },
        DifficultyTier.Rare => new() { MinNumberCount = 5, MaxNumberCount = 5, MinNumber = 1, MaxNumber = 50, MinTarget = 100, MaxTarget = 999, MinHitShare = 0, MaxHitShare = 0.0001 },
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown difficulty tier."),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of its limits.</summary>
    public void Validate()
    {
        Require(MinNumberCount is >= ArithmeticPuzzle.MinNumberCount and <= ArithmeticPuzzle.MaxNumberCount, nameof(MinNumberCount),
            $"must be from {ArithmeticPuzzle.MinNumberCount} to {ArithmeticPuzzle.MaxNumberCount}, got {MinNumberCount}");
        Require(MaxNumberCount is >= ArithmeticPuzzle.MinNumberCount and <= ArithmeticPuzzle.MaxNumberCount, nameof(MaxNumberCount),
            $"must be from {ArithmeticPuzzle.MinNumberCount} to {ArithmeticPuzzle.MaxNumberCount}, got {MaxNumberCount}");
        Require(MinNumberCount <= MaxNumberCount, nameof(MaxNumberCount), $"must be at least MinNumberCount ({MinNumberCount}), got {MaxNumberCount}");
        Require(MinNumber is >= ArithmeticPuzzle.MinNumber and <= ArithmeticPuzzle.MaxNumber, nameof(MinNumber),
            $"must be from {ArithmeticPuzzle.MinNumber} to {ArithmeticPuzzle.MaxNumber}, got {MinNumber}");
        Require(MaxNumber is >= ArithmeticPuzzle.MinNumber and <= ArithmeticPuzzle.MaxNumber, nameof(MaxNumber),
            $"must be from {ArithmeticPuzzle.MinNumber} to {ArithmeticPuzzle.MaxNumber}, got {MaxNumber}");
        Require(MinNumber <= MaxNumber, nameof(MaxNumber), $"must be at least MinNumber ({MinNumber}), got {MaxNumber}");
        Require(Math.Abs((long)MinTarget) <= ArithmeticPuzzle.MaxAbsoluteTarget, nameof(MinTarget),
            $"must be within ±{ArithmeticPuzzle.MaxAbsoluteTarget}, got {MinTarget}");
        Require(Math.Abs((long)MaxTarget) <= ArithmeticPuzzle.MaxAbsoluteTarget, nameof(MaxTarget),
            $"must be within ±{ArithmeticPuzzle.MaxAbsoluteTarget}, got {MaxTarget}");
        Require(MinTarget <= MaxTarget, nameof(MaxTarget), $"must be at least MinTarget ({MinTarget}), got {MaxTarget}");
        Require(MinHitShare is >= 0 and <= 1, nameof(MinHitShare), $"must be from 0 to 1, got {MinHitShare}");
        Require(MaxHitShare is > 0 and <= 1, nameof(MaxHitShare), $"must be above 0 and at most 1, got {MaxHitShare}");
        Require(MinHitShare <= MaxHitShare, nameof(MaxHitShare), $"must be at least MinHitShare ({MinHitShare}), got {MaxHitShare}");
    }

    private static void Require(bool condition, string option, string problem)
    {
        if (!condition) throw new ArgumentException($"{option}: {problem}", option);
    }
}
