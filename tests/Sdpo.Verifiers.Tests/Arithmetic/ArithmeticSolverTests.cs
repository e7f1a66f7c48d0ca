using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Expressions;
using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticSolverTests
{
    [Fact]
    public void FindsTheOnlySolutionOfThreeThreeEightEight()
    {
        var solution = ArithmeticSolver.Solve([3, 3, 8, 8], 24);
        Assert.True(solution.IsSolvable);
        Assert.Equal(["8/(3-8/3)"], solution.DistinctSolutions);
        Assert.Equal("8/(3-8/3)", solution.CanonicalSolution);
        Assert.False(solution.DistinctSolutionsTruncated);
        Assert.Equal(3240, solution.TotalExpressionCount);
        // The two 3s and the two 8s can swap places: 2 * 2 trees for the one distinct solution.
        Assert.Equal(4, solution.HittingExpressionCount);
    }

    [Fact]
    public void CountsDistinctSolutionsUpToRearrangement()
    {
        var solution = ArithmeticSolver.Solve([1, 2, 3, 4], 24);
        Assert.Equal(["4*3*2*1", "4*3*2/1", "4*(3+2+1)", "(3+1)*(4+2)"], solution.DistinctSolutions);
        Assert.Equal(52, solution.HittingExpressionCount);
    }

    [Theory]
    [InlineData(new[] { 1, 1, 1 }, 24)]
    [InlineData(new[] { 1, 1, 1, 1 }, 24)]
    [InlineData(new[] { 1, 1, 1, 2 }, 24)]
    [InlineData(new[] { 2, 2, 2 }, 7)]
    public void ReportsNoSolutionForUnsolvableSets(int[] numbers, int target)
    {
        var solution = ArithmeticSolver.Solve(numbers, target);
        Assert.False(solution.IsSolvable);
        Assert.Empty(solution.DistinctSolutions);
        Assert.Null(solution.CanonicalSolution);
        Assert.Equal(0, solution.HitShare);
    }

    [Fact]
    public void HitCountsAgreeWithBruteForceEvaluationOfEveryTree()
    {
        int[] numbers = [2, 3, 5, 7];
        var census = ArithmeticCensus.Of(numbers);
        var bruteForce = AllTrees([.. numbers.Select(n => (ArithmeticExpression)new NumberExpression(n))])
            .Select(ArithmeticEvaluator.Evaluate)
            .Where(e => e.Succeeded)
            .GroupBy(e => e.Value!.Value)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(bruteForce.Count, census.ReachableValues.Count());
        foreach (var (value, count) in bruteForce) Assert.Equal(count, census.CountHitting(value));
    }

    [Fact]
    public void EveryListedSolutionVerifies()
    {
        int[] numbers = [2, 3, 5, 7, 11];
        var solution = ArithmeticSolver.Solve(numbers, 100);
        Assert.True(solution.DistinctSolutions.Count > 1);
        var verifier = new ArithmeticVerifier(numbers, 100);
        Assert.All(solution.DistinctSolutions, s => Assert.True(verifier.Check(s).Passed, s));
        Assert.Equal(solution.DistinctSolutions.Count, solution.DistinctSolutions.Distinct().Count());
    }

    [Fact]
    public void SolvesACountdownNumbersRoundWithSixNumbers()
    {
        int[] numbers = [100, 75, 50, 25, 6, 3];
        var solution = ArithmeticSolver.Solve(numbers, 952);
        Assert.True(solution.IsSolvable);
        Assert.True(new ArithmeticVerifier(numbers, 952).Check(solution.CanonicalSolution).Passed);
    }

    [Fact]
    public void TruncatesTheListButNotTheCount()
    {
        var full = ArithmeticSolver.Solve([1, 2, 3, 4], 24);
        var truncated = ArithmeticSolver.Solve([1, 2, 3, 4], 24, maxTreesWalked: 5);
        Assert.True(truncated.DistinctSolutionsTruncated);
        Assert.Equal(full.HittingExpressionCount, truncated.HittingExpressionCount);
        Assert.InRange(truncated.DistinctSolutions.Count, 1, 5);
    }

    /// <summary>Every tree over the items, + and * with unordered sides, - and / in both orders.</summary>
    private static IEnumerable<ArithmeticExpression> AllTrees(List<ArithmeticExpression> items)
    {
        if (items.Count == 1)
        {
            yield return items[0];
            yield break;
        }
        var n = items.Count;
        // Split the positions into two non-empty parts, the part with position 0 on the left.
        for (var mask = 1; mask < 1 << n; mask += 2)
        {
            if (mask == (1 << n) - 1) continue;
            var left = Enumerable.Range(0, n).Where(i => (mask >> i & 1) == 1).Select(i => items[i]).ToList();
            var right = Enumerable.Range(0, n).Where(i => (mask >> i & 1) == 0).Select(i => items[i]).ToList();
            foreach (var a in AllTrees(left))
            foreach (var b in AllTrees(right))
            {
                yield return new BinaryExpression(ArithmeticOperator.Add, a, b);
                yield return new BinaryExpression(ArithmeticOperator.Multiply, a, b);
                yield return new BinaryExpression(ArithmeticOperator.Subtract, a, b);
                yield return new BinaryExpression(ArithmeticOperator.Subtract, b, a);
                yield return new BinaryExpression(ArithmeticOperator.Divide, a, b);
                yield return new BinaryExpression(ArithmeticOperator.Divide, b, a);
            }
        }
    }
}
