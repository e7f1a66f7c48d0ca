using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// Takes the expression out of a model's answer text. The rules, in order:
/// <list type="number">
/// <item>Only the first line that is not blank counts (a newline ends an answer); it is trimmed, and feedback
/// columns count from its first non-blank character.</item>
/// <item>An optional label ending in a colon is dropped: "Answer: 3*8", "expression: 3*8".</item>
/// <item>An optional trailing "= N" (an integer, possibly negative) is a claim about the value: it is kept
/// aside, and the verifier rejects the answer if the claim is not the expression's actual value.</item>
/// </list>
/// </summary>
public sealed partial record ArithmeticAnswer(string ExpressionText, int ColumnOffset, long? ClaimedValue)
{
    /// <summary>The expression, or a parse error whose column counts in the answer line.</summary>
    public static bool TryExtract(
        string? text,
        [NotNullWhen(true)] out ArithmeticAnswer? answer,
        [NotNullWhen(false)] out ArithmeticParseError? error)
    {
        answer = null;
        error = null;
        var line = FirstNonBlankLine(text ?? "").Trim();
        if (line.Length == 0)
        {
            error = new ArithmeticParseError("empty answer", 0);
            return false;
        }
        var offset = 0;
        var label = Label().Match(line);
        if (label.Success) offset = label.Length;
        var body = line[offset..];
        long? claim = null;
        var equals = body.IndexOf('=');
        if (equals >= 0)
        {
            var claimText = body[(equals + 1)..].Trim();
            if (!long.TryParse(claimText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var claimed))
            {
                error = new ArithmeticParseError("unexpected text after '='", offset + equals + 1, "expected '= number' at the end");
                return false;
            }
            claim = claimed;
            body = body[..equals];
        }
        answer = new ArithmeticAnswer(body, offset, claim);
        return true;
    }

    /// <summary>Parses <see cref="ExpressionText"/>; error columns are shifted to count in the answer line.</summary>
    public bool TryParse(
        [NotNullWhen(true)] out ArithmeticExpression? expression,
        [NotNullWhen(false)] out ArithmeticParseError? error)
    {
        if (ArithmeticParser.TryParse(ExpressionText, out expression, out error)) return true;
        if (error.Column > 0) error = error with { Column = error.Column + ColumnOffset };
        return false;
    }

    private static string FirstNonBlankLine(string text)
    {
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOfAny(['\n', '\r'], start);
            if (end < 0) end = text.Length;
            if (!text.AsSpan(start, end - start).IsWhiteSpace()) return text[start..end];
            start = end + 1;
        }
        return "";
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z ]{0,30}:\s*")]
    private static partial Regex Label();
}
