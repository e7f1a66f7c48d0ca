using System.Globalization;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// Compares the numbers an expression used with the given ones as multisets ([3,3,8,8] needs two 3s and two
/// 8s) and describes each mismatch in a fixed phrase: "8 used 2 times, given 1", "3 not used",
/// "3 used 1 time, given 2", "5 not given". Given numbers come first in their given order, then numbers
/// that were not given in the order the expression used them.
/// </summary>
public static class NumberUsage
{
    /// <summary>Longer lists end in "and N more" so the feedback stays short.</summary>
    public const int MaxPhrases = 6;

    public static IReadOnlyList<string> Mismatches(IReadOnlyList<int> given, IReadOnlyList<long> used)
    {
        var givenCounts = CountInOrder(given.Select(n => (long)n));
        var usedCounts = CountInOrder(used);
        var phrases = new List<string>();
        foreach (var (number, givenCount) in givenCounts)
        {
            var usedCount = usedCounts.GetValueOrDefault(number);
            if (usedCount == givenCount) continue;
            phrases.Add(usedCount == 0
                ? $"{Text(number)} not used"
                : $"{Text(number)} used {Times(usedCount)}, given {givenCount}");
        }
        foreach (var number in usedCounts.Keys.Where(n => !givenCounts.ContainsKey(n)))
            phrases.Add($"{Text(number)} not given");
        if (phrases.Count > MaxPhrases)
            phrases = [.. phrases.Take(MaxPhrases - 1), $"and {phrases.Count - MaxPhrases + 1} more"];
        return phrases;
    }

    /// <summary>Counts occurrences, keeping first-appearance order (an ordered list of distinct keys).</summary>
    private static OrderedDictionary<long, int> CountInOrder(IEnumerable<long> numbers)
    {
        var counts = new OrderedDictionary<long, int>();
        foreach (var number in numbers) counts[number] = counts.GetValueOrDefault(number) + 1;
        return counts;
    }

    private static string Times(int count) => count == 1 ? "1 time" : $"{count} times";

    private static string Text(long number) => number.ToString(CultureInfo.InvariantCulture);
}
