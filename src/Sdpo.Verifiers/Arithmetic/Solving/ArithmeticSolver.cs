using System.Numerics;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic.Solving;

/// <summary>
/// Exhaustive exact search: builds the <see cref="ArithmeticCensus"/> of the numbers, then walks back from the
/// target through the per-subset value tables to list every expression tree that hits it, deduplicated by
/// canonical form.
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
        var walked = 0;
        if (hitting > 0)
        {
            var fullSubset = (1 << census.Numbers.Count) - 1;
            foreach (var tree in Trees(census, fullSubset, target))
            {
                distinct.Add(CanonicalExpression.Of(tree));
                if (++walked >= maxTreesWalked) break;
            }
        }
        var ordered = distinct.OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToArray();
        return new ArithmeticSolution(census.Numbers, target, hitting, census.TotalExpressionCount, ordered,
            DistinctSolutionsTruncated: walked < hitting);
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
        var lowest = subset & -subset;
        var rest = subset ^ lowest;
        for (var extra = (rest - 1) & rest; ; extra = (extra - 1) & rest)
        {
            var left = lowest | extra;
            var right = subset ^ left;
            var rightValues = census.ValuesOf(right);
            foreach (var a in census.ValuesOf(left).Keys)
            {
                foreach (var (op, b, swapped) in Partners(a, value, rightValues))
                {
                    foreach (var leftTree in Trees(census, left, a))
                    foreach (var rightTree in Trees(census, right, b))
                        yield return swapped
                            ? new BinaryExpression(op, rightTree, leftTree)
                            : new BinaryExpression(op, leftTree, rightTree);
                }
            }
            if (extra == 0) break;
        }
    }

    /// <summary>
    /// The right-part values b and operations with a op b = value (or b op a = value when swapped), following
    /// the same six combinations the census counts.
    /// </summary>
    private static IEnumerable<(ArithmeticOperator Op, Rational B, bool Swapped)> Partners(
        Rational a, Rational value, IReadOnlyDictionary<Rational, long> rightValues)
    {
        // a + b = value
        if (Rational.TrySubtract(value, a, out var b) && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Add, b, false);
        // a * b = value
        if (!a.IsZero)
        {
            if (Rational.TryDivide(value, a, out b) && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Multiply, b, false);
        }
        else if (value.IsZero)
        {
            foreach (var any in rightValues.Keys) yield return (ArithmeticOperator.Multiply, any, false);
        }
        // a - b = value
        if (Rational.TrySubtract(a, value, out b) && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Subtract, b, false);
        // b - a = value
        if (Rational.TryAdd(value, a, out b) && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Subtract, b, true);
        // a / b = value, b != 0
        if (!value.IsZero)
        {
            if (Rational.TryDivide(a, value, out b) && !b.IsZero && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Divide, b, false);
        }
        else if (a.IsZero)
        {
            foreach (var any in rightValues.Keys.Where(k => !k.IsZero)) yield return (ArithmeticOperator.Divide, any, false);
        }
        // b / a = value, a != 0
        if (!a.IsZero && Rational.TryMultiply(value, a, out b) && rightValues.ContainsKey(b)) yield return (ArithmeticOperator.Divide, b, true);
    }
}
