using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;
using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticPuzzleGeneratorTests
{
    [Fact]
    public void SameSeedGivesSamePuzzles()
    {
        var first = new ArithmeticPuzzleGenerator(DifficultyTier.Mid, seed: 42).Generate(10).Select(p => p.Puzzle.ToJson()).ToList();
        var again = new ArithmeticPuzzleGenerator(DifficultyTier.Mid, seed: 42).Generate(10).Select(p => p.Puzzle.ToJson()).ToList();
        var other = new ArithmeticPuzzleGenerator(DifficultyTier.Mid, seed: 43).Generate(10).Select(p => p.Puzzle.ToJson()).ToList();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(DifficultyTier.Easy)]
    [InlineData(DifficultyTier.Mid)]
    [InlineData(DifficultyTier.Hard)]
    [InlineData(DifficultyTier.Rare)]
    public void TierPuzzlesFitTheirOptionsAndAreSolvedByTheSolverAnswer(DifficultyTier tier)
    {
        var options = DifficultyOptions.ForTier(tier);
        foreach (var generated in new ArithmeticPuzzleGenerator(tier, seed: 7).Generate(6))
        {
            var puzzle = generated.Puzzle;
            Assert.InRange(puzzle.Numbers.Count, options.MinNumberCount, options.MaxNumberCount);
            Assert.All(puzzle.Numbers, n => Assert.InRange(n, options.MinNumber, options.MaxNumber));
            Assert.InRange(puzzle.Target, options.MinTarget, options.MaxTarget);

            // Recompute independently of the generator's own bookkeeping.
            var solution = ArithmeticSolver.Solve(puzzle.Numbers, puzzle.Target);
            Assert.True(solution.IsSolvable);
            Assert.InRange(solution.HitShare, options.MinHitShare, options.MaxHitShare);
            Assert.Equal(solution.HittingExpressionCount, generated.Solution.HittingExpressionCount);
            Assert.True(puzzle.CreateVerifier().Check(solution.CanonicalSolution).Passed, $"{puzzle} {solution.CanonicalSolution}");
        }
    }

    [Fact]
    public void TiersGetHarderInOrder()
    {
        double MedianShare(DifficultyTier tier) =>
            new ArithmeticPuzzleGenerator(tier, seed: 3).Generate(5).Select(p => p.HitShare).Order().ElementAt(2);
        var shares = Enum.GetValues<DifficultyTier>().Select(MedianShare).ToList();
        Assert.Equal(shares.OrderDescending(), shares);
    }

    [Fact]
    public void CustomOptionsCanFixTheTarget()
    {
        var options = new DifficultyOptions { MinNumberCount = 4, MaxNumberCount = 4, MinNumber = 1, MaxNumber = 13, MinTarget = 24, MaxTarget = 24 };
        foreach (var generated in new ArithmeticPuzzleGenerator(options, seed: 1).Generate(5))
        {
            Assert.Equal(24, generated.Puzzle.Target);
            Assert.True(generated.Solution.IsSolvable);
        }
    }

    [Fact]
    public void ImpossibleOptionsFailClearly()
    {
        // Three numbers from 1 to 2 never reach 1000.
        var options = new DifficultyOptions { MinNumberCount = 3, MaxNumberCount = 3, MinNumber = 1, MaxNumber = 2, MinTarget = 1000, MaxTarget = 1000 };
        var failure = Assert.Throws<InvalidOperationException>(() => new ArithmeticPuzzleGenerator(options, seed: 1).Next());
        Assert.Contains("No puzzle fits", failure.Message);
    }

    [Fact]
    public void InvalidOptionsNameTheOption()
    {
        var failure = Assert.Throws<ArgumentException>(() => new ArithmeticPuzzleGenerator(new DifficultyOptions { MaxNumberCount = 7 }, seed: 1));
        Assert.Equal("MaxNumberCount", failure.ParamName);
        failure = Assert.Throws<ArgumentException>(() => new ArithmeticPuzzleGenerator(new DifficultyOptions { MinHitShare = 0.5, MaxHitShare = 0.1 }, seed: 1));
        Assert.Equal("MaxHitShare", failure.ParamName);
    }
}
