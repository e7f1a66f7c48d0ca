using System.Numerics;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic.Solving;

/// <summary>
/// How many expressions over a list of numbers give each value, for every subset of the numbers (dynamic
/// programming over subsets, exact rationals). An "expression" here is a binary tree that uses every number
/// exactly once with + - * / at its inner nodes, where the two sides of + and * are unordered: a+b and b+a
/// count once, a-b and b-a twice. Copies of one number sit at different positions and count as different
/// leaves, consistently in <see cref="CountHitting"/> and <see cref="TotalExpressionCount"/>. Operations that
/// divide by zero or overflow a 64-bit rational produce no value (they hit nothing).
/// Cost grows quickly: 4 numbers take well under a millisecond, 5 a few milliseconds, 6 up to about a second.
/// </summary>
public sealed class ArithmeticCensus
{
    public const int MaxNumberCount = 6;

    private readonly Dictionary<Rational, long>[] _countsBySubset;

    private ArithmeticCensus(IReadOnlyList<int> numbers, Dictionary<Rational, long>[] countsBySubset)
    {
        Numbers = numbers;
        _countsBySubset = countsBySubset;
        TotalExpressionCount = CountAllExpressions(numbers.Count);
    }

    public IReadOnlyList<int> Numbers { get; }

    /// <summary>(2n-3)!! tree shapes with labelled leaves times 6 operator choices per inner node: 3240 for n = 4.</summary>
    public long TotalExpressionCount { get; }

    private int FullSubset => (1 << Numbers.Count) - 1;

    /// <summary>Numbers must be non-negative (answers cannot write a negative literal); 1 to 6 of them.</summary>
    public static ArithmeticCensus Of(IReadOnlyList<int> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count is < 1 or > MaxNumberCount)
            throw new ArgumentOutOfRangeException(nameof(numbers), numbers.Count, $"numbers: expected 1 to {MaxNumberCount} numbers.");
        if (numbers.Any(n => n < 0))
            throw new ArgumentOutOfRangeException(nameof(numbers), "numbers: every number must be non-negative.");
        var copy = numbers.ToArray();
        var tables = new Dictionary<Rational, long>[1 << copy.Length];
        for (var subset = 1; subset < tables.Length; subset++)
            tables[subset] = BitOperations.PopCount((uint)subset) == 1
                ? new Dictionary<Rational, long> { [copy[BitOperations.TrailingZeroCount(subset)]] = 1 }
                : Combine(tables, subset);
        return new ArithmeticCensus(copy, tables);
    }

    /// <summary>The number of expressions over all the numbers whose value is <paramref name="value"/>.</summary>
    public long CountHitting(Rational value) => _countsBySubset[FullSubset].GetValueOrDefault(value);

    /// <summary>The share of all expressions that hit <paramref name="value"/>: 0 when it is unreachable.</summary>
    public double HitShare(Rational value) => (double)CountHitting(value) / TotalExpressionCount;

    /// <summary>Every value some expression over all the numbers reaches, with its count, in no particular order.</summary>
    public IEnumerable<KeyValuePair<Rational, long>> ReachableValues => _countsBySubset[FullSubset];

    internal IReadOnlyDictionary<Rational, long> ValuesOf(int subset) => _countsBySubset[subset];

    internal static long CountAllExpressions(int numberCount)
    {
        long total = 1;
        for (var k = 3; k <= 2 * numberCount - 3; k += 2) total *= k;
        for (var k = 1; k < numberCount; k++) total *= 6;
        return total;
    }

    /// <summary>
    /// Splits <paramref name="subset"/> into an unordered pair of parts (the part holding the lowest position
    /// goes left) and combines every value of one part with every value of the other.
    /// </summary>
    private static Dictionary<Rational, long> Combine(Dictionary<Rational, long>[] tables, int subset)
    {
        var counts = new Dictionary<Rational, long>();
        var lowest = subset & -subset;
        var rest = subset ^ lowest;
        // Enumerate every proper sub-subset of the rest; the left part is it plus the lowest position.
        for (var extra = (rest - 1) & rest; ; extra = (extra - 1) & rest)
        {
            var left = lowest | extra;
            var right = subset ^ left;
            foreach (var (a, countA) in tables[left])
            {
                foreach (var (b, countB) in tables[right])
                {
                    var count = countA * countB;
                    if (Rational.TryAdd(a, b, out var sum)) Add(counts, sum, count);
                    if (Rational.TryMultiply(a, b, out var product)) Add(counts, product, count);
                    if (Rational.TrySubtract(a, b, out var difference)) Add(counts, difference, count);
                    if (Rational.TrySubtract(b, a, out var reverseDifference)) Add(counts, reverseDifference, count);
                    if (Rational.TryDivide(a, b, out var quotient)) Add(counts, quotient, count);
                    if (Rational.TryDivide(b, a, out var reverseQuotient)) Add(counts, reverseQuotient, count);
                }
            }
            if (extra == 0) break;
        }
        return counts;
    }

    private static void Add(Dictionary<Rational, long> counts, Rational value, long count)
    {
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, value, out _) += count;
    }
}
