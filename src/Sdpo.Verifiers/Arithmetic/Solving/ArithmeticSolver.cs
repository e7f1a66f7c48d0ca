using System.Numerics;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic.Solving;

/// <summary>
/// Exhaustive exact search: builds the <see cref="ArithmeticCensus"/> of the numbers, then walks back from the
/// target through the per-subset value tables to list every expression tree that hits it, deduplicated by
/// canonical form. Solving one target never builds the whole list's value table: each split of the numbers
/// is checked by looking up, for every value of its smaller side, the partner values on the other side.
/// </summary>
public static class ArithmeticSolver
{
    /// <summary>Enough to list every solution of a 4- or 5-number puzzle; easy 6-number ones may be truncated.</summary>
    public const int DefaultMaxTreesWalked = 20_000;

    public static ArithmeticSolution Solve(IReadOnlyList<int> numbers, int target, int maxTreesWalked = DefaultMaxTreesWalked) =>
        Solve(ArithmeticCensus.Of(numbers), target, maxTreesWalked);

    public static ArithmeticSolution Solve(ArithmeticCensus census, int target, int maxTreesWalked = DefaultMaxTreesWalked)
    {
        ArgumentNullException.ThrowIfNull(census);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTreesWalked);
        var hitting = census.CountHitting(target);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        long walked = 0;
        if (hitting > 0)
        {
            foreach (var tree in Trees(census, census.FullSubset, target))
            {
                distinct.Add(CanonicalExpression.Of(tree));
                if (++walked >= maxTreesWalked) break;
            }
        }
        var ordered = distinct.OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToArray();
        return new ArithmeticSolution(census.Numbers, target, hitting, census.TotalExpressionCount, ordered,
            DistinctSolutionsTruncated: walked < hitting);
    }

    /// <summary>One way to reach a value over a subset: (first part's value) op (second part's value).</summary>
    internal readonly record struct Combination(
        int FirstSubset, Rational FirstValue, ArithmeticOperator Operator, int SecondSubset, Rational SecondValue,
        long FirstCount, long SecondCount);

    /// <summary>
    /// Every split of <paramref name="subset"/> (a proper subset of at least two positions) and operation whose
    /// result is <paramref name="value"/>, matching what the census counts: + and * once per unordered pair
    /// (the part holding the lowest position first), - and / in both orders.
    /// </summary>
    internal static IEnumerable<Combination> Combinations(ArithmeticCensus census, int subset, Rational value)
    {
        var lowest = subset & -subset;
        var rest = subset ^ lowest;
        for (var extra = (rest - 1) & rest; ; extra = (extra - 1) & rest)
        {
            var left = lowest | extra;
            var right = subset ^ left;
            var leftValues = census.ValuesOf(left);
            var rightValues = census.ValuesOf(right);
            var leftIsSmaller = leftValues.Count <= rightValues.Count;
            var (scanned, scannedValues, looked, lookedValues) = leftIsSmaller
                ? (left, leftValues, right, rightValues)
                : (right, rightValues, left, leftValues);
            foreach (var (x, countX) in scannedValues)
            {
                foreach (var (op, y, xFirst) in Partners(x, value, lookedValues))
                {
                    var countY = lookedValues[y];
                    // Commutative operations always put the left part first, as the census counts them once.
                    var scannedFirst = op.IsCommutative() ? leftIsSmaller : xFirst;
                    yield return scannedFirst
                        ? new Combination(scanned, x, op, looked, y, countX, countY)
                        : new Combination(looked, y, op, scanned, x, countY, countX);
                }
            }
            if (extra == 0) break;
        }
    }

    /// <summary>Every tree over <paramref name="subset"/> whose value is <paramref name="value"/>, lazily.</summary>
    private static IEnumerable<ArithmeticExpression> Trees(ArithmeticCensus census, int subset, Rational value)
    {
        if (BitOperations.PopCount((uint)subset) == 1)
        {
            var number = census.Numbers[BitOperations.TrailingZeroCount(subset)];
            if (value == number) yield return new NumberExpression(number);
            yield break;
        }
        foreach (var combination in Combinations(census, subset, value))
        {
            foreach (var first in Trees(census, combination.FirstSubset, combination.FirstValue))
            foreach (var second in Trees(census, combination.SecondSubset, combination.SecondValue))
                yield return new BinaryExpression(combination.Operator, first, second);
        }
    }

    /// <summary>
    /// The values y on the other side and operations with x op y = value (xFirst) or y op x = value, over the
    /// six combinations: x+y, x*y, x-y, y-x, x/y (y ≠ 0), y/x (x ≠ 0).
    /// </summary>
    private static IEnumerable<(ArithmeticOperator Op, Rational Y, bool XFirst)> Partners(
        Rational x, Rational value, IReadOnlyDictionary<Rational, long> others)
    {
        // x + y = value
        if (Rational.TrySubtract(value, x, out var y) && others.ContainsKey(y)) yield return (ArithmeticOperator.Add, y, true);
        // x * y = value
        if (!x.IsZero)
        {
            if (Rational.TryDivide(value, x, out y) && others.ContainsKey(y)) yield return (ArithmeticOperator.Multiply, y, true);
        }
        else if (value.IsZero)
        {
            foreach (var any in others.Keys) yield return (ArithmeticOperator.Multiply, any, true);
        }
        // x - y = value
        if (Rational.TrySubtract(x, value, out y) && others.ContainsKey(y)) yield return (ArithmeticOperator.Subtract, y, true);
        // y - x = value
        if (Rational.TryAdd(value, x, out y) && others.ContainsKey(y)) yield return (ArithmeticOperator.Subtract, y, false);
        // x / y = value, y != 0
        if (!value.IsZero)
        {
            if (Rational.TryDivide(x, value, out y) && !y.IsZero && others.ContainsKey(y)) yield return (ArithmeticOperator.Divide, y, true);
        }
        else if (x.IsZero)
        {
            foreach (var any in others.Keys.Where(k => !k.IsZero)) yield return (ArithmeticOperator.Divide, any, true);
        }
        // y / x = value, x != 0
        if (!x.IsZero && Rational.TryMultiply(value, x, out y) && others.ContainsKey(y)) yield return (ArithmeticOperator.Divide, y, false);
    }
}
