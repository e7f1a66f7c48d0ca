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
/// <para>
/// The tables of the proper subsets are built at once; the table of the whole list (by far the largest) only
/// when <see cref="ReachableValues"/> asks for it, since <see cref="CountHitting"/> can count one value
/// without it. Release-build costs on one core: 4 numbers about a millisecond, 5 numbers a few milliseconds
/// for one value and about 70 ms for all values, 6 numbers about 0.4 s for one value and about 1 s for all.
/// </para>
/// </summary>
public sealed class ArithmeticCensus
{
    public const int MaxNumberCount = 6;

    private readonly Dictionary<Rational, long>?[] _countsBySubset;
    private readonly Lazy<Dictionary<Rational, long>> _countsOfAll;

    private ArithmeticCensus(IReadOnlyList<int> numbers, Dictionary<Rational, long>?[] countsBySubset)
    {
        Numbers = numbers;
        _countsBySubset = countsBySubset;
        _countsOfAll = new Lazy<Dictionary<Rational, long>>(() => countsBySubset[FullSubset] ?? Combine(countsBySubset, FullSubset));
        TotalExpressionCount = CountAllExpressions(numbers.Count);
    }

    public IReadOnlyList<int> Numbers { get; }

    /// <summary>(2n-3)!! tree shapes with labelled leaves times 6 operator choices per inner node: 3240 for n = 4.</summary>
    public long TotalExpressionCount { get; }

    /// <summary>Numbers must be non-negative (answers cannot write a negative literal); 1 to 6 of them.</summary>
    public static ArithmeticCensus Of(IReadOnlyList<int> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count is < 1 or > MaxNumberCount)
            throw new ArgumentOutOfRangeException(nameof(numbers), numbers.Count, $"numbers: expected 1 to {MaxNumberCount} numbers.");
        if (numbers.Any(n => n < 0))
            throw new ArgumentOutOfRangeException(nameof(numbers), "numbers: every number must be non-negative.");
        var copy = numbers.ToArray();
        var tables = new Dictionary<Rational, long>?[1 << copy.Length];
        // The whole list's table is left null here (see _countsOfAll); a single number's is trivial.
        var fullSubset = tables.Length - 1;
        for (var subset = 1; subset < tables.Length; subset++)
        {
            if (BitOperations.PopCount((uint)subset) == 1)
                tables[subset] = new Dictionary<Rational, long> { [copy[BitOperations.TrailingZeroCount(subset)]] = 1 };
            else if (subset != fullSubset)
                tables[subset] = Combine(tables, subset);
        }
        return new ArithmeticCensus(copy, tables);
    }

    /// <summary>The number of expressions over all the numbers whose value is <paramref name="value"/>.</summary>
    public long CountHitting(Rational value)
    {
        if (_countsOfAll.IsValueCreated) return _countsOfAll.Value.GetValueOrDefault(value);
        long hits = 0;
        foreach (var combination in ArithmeticSolver.Combinations(this, FullSubset, value))
            hits += combination.FirstCount * combination.SecondCount;
        return hits;
    }

    /// <summary>The share of all expressions that hit <paramref name="value"/>: 0 when it is unreachable.</summary>
    public double HitShare(Rational value) => (double)CountHitting(value) / TotalExpressionCount;

    /// <summary>Every value some expression over all the numbers reaches, with its count, in no particular order.</summary>
    public IEnumerable<KeyValuePair<Rational, long>> ReachableValues => _countsOfAll.Value;

    internal int FullSubset => (1 << Numbers.Count) - 1;

    /// <summary>Value counts of a proper subset (never the whole list: see <see cref="CountHitting"/>).</summary>
    internal IReadOnlyDictionary<Rational, long> ValuesOf(int subset) =>
        _countsBySubset[subset] ?? throw new InvalidOperationException("The whole list has no eager table.");

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
    private static Dictionary<Rational, long> Combine(Dictionary<Rational, long>?[] tables, int subset)
    {
        var counts = new Dictionary<Rational, long>();
        var lowest = subset & -subset;
        var rest = subset ^ lowest;
        // Enumerate every proper sub-subset of the rest; the left part is it plus the lowest position.
        for (var extra = (rest - 1) & rest; ; extra = (extra - 1) & rest)
        {
            var left = lowest | extra;
            var right = subset ^ left;
            foreach (var (a, countA) in tables[left]!)
            {
                foreach (var (b, countB) in tables[right]!)
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
