namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// Token edit distance between two expression texts: Levenshtein distance over tokens (a whole number, an
/// operator, a bracket, any other character), ignoring whitespace, with '×' '÷' '−' read as '*' '/' '-'.
/// "3*(4+5)" and "3*(4-5)" are 1 apart; "3*(4+5)" and "3*4+5" are 2 apart. Works on unparseable text too.
/// </summary>
public static class ExpressionDistance
{
    public static int Between(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var left = ArithmeticTokenizer.Tokenize(a).Select(t => t.Text).ToArray();
        var right = ArithmeticTokenizer.Tokenize(b).Select(t => t.Text).ToArray();
        var previous = new int[right.Length + 1];
        var current = new int[right.Length + 1];
        for (var j = 0; j <= right.Length; j++) previous[j] = j;
        for (var i = 1; i <= left.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= right.Length; j++)
            {
                var substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[right.Length];
    }

    /// <summary>The candidate closest to <paramref name="text"/>; the earliest one wins a tie; null when there are none.</summary>
    public static string? Nearest(string text, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Between(text, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }
}
