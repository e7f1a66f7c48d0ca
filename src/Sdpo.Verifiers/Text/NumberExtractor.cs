using System.Globalization;
using System.Text.RegularExpressions;

namespace Sdpo.Verifiers.Text;

/// <summary>
/// Finds the number a free-text answer commits to: the whole text when it is a number, else the content of
/// the last <c>\boxed{...}</c>, else the last number written (models end with "so the answer is 42").
/// Accepts thousands separators, scientific notation and simple fractions ("3/4").
/// </summary>
public static partial class NumberExtractor
{
    public static bool TryExtract(string text, out double value)
    {
        var trimmed = text.Trim().TrimEnd('.');
        if (TryParseNumber(trimmed, out value)) return true;
        var boxed = Boxed().Matches(text);
        if (boxed.Count > 0 && TryParseNumber(boxed[^1].Groups[1].Value.Trim(), out value)) return true;
        var numbers = AnyNumber().Matches(text);
        for (var i = numbers.Count - 1; i >= 0; i--)
            if (TryParseNumber(numbers[i].Value, out value)) return true;
        value = 0;
        return false;
    }

    private static bool TryParseNumber(string text, out double value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 100) return false;
        var slash = text.IndexOf('/');
        if (slash > 0)
        {
            if (!TryParseDecimal(text[..slash], out var numerator) || !TryParseDecimal(text[(slash + 1)..], out var denominator) || denominator == 0)
                return false;
            value = numerator / denominator;
            return true;
        }
        return TryParseDecimal(text, out value);
    }

    private static bool TryParseDecimal(string text, out double value)
    {
        text = text.Trim();
        if (ThousandsGrouped().IsMatch(text)) text = text.Replace(",", "");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    [GeneratedRegex(@"\\boxed\{([^{}]*)\}")]
    private static partial Regex Boxed();

    [GeneratedRegex(@"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+)?")]
    private static partial Regex AnyNumber();

    [GeneratedRegex(@"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")]
    private static partial Regex ThousandsGrouped();
}
