using System.Globalization;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// The answers of one arithmetic puzzle that are worth verifying: an expression in the prompt format's plain
/// ASCII (digits, <c>+ - * /</c>, parentheses, no spaces) that parses and uses each given number exactly once,
/// optionally followed by the <see cref="ArithmeticPuzzle.EndMarker"/> newline and nothing after it. Only the
/// value can still be wrong, so under this grammar every failure's feedback is about values, never about
/// malformed text or misused numbers.
/// <para>
/// A prefix is viable when it can still be completed: every finished literal is a given number not yet used up,
/// the digits being typed start some unused given number, an operator or '(' comes only while numbers remain,
/// ')' only closes an open '(' after an operand, and nesting stays within <see cref="ArithmeticParser.MaxNestingDepth"/>.
/// Any viable prefix can be completed (by an operator and the next unused number, then closing parentheses), so
/// sampling under this grammar never gets stuck.
/// </para>
/// </summary>
public sealed class ArithmeticAnswerGrammar : IAnswerGrammar
{
    private readonly long[] _distinct;
    private readonly string[] _distinctTexts;
    private readonly int[] _givenCounts;

    public ArithmeticAnswerGrammar(IReadOnlyList<int> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count == 0) throw new ArgumentException("A puzzle needs numbers.", nameof(numbers));
        if (numbers.Any(n => n < 1)) throw new ArgumentException("The grammar takes positive numbers only.", nameof(numbers));
        var groups = numbers.GroupBy(n => (long)n).ToArray();
        _distinct = groups.Select(g => g.Key).ToArray();
        _distinctTexts = _distinct.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
        _givenCounts = groups.Select(g => g.Count()).ToArray();
    }

    public bool IsViablePrefix(string text) => Scan(text) != Outcome.Dead;

    public bool IsComplete(string text) => Scan(text) == Outcome.Complete;

    private enum Outcome { Dead, Viable, Complete }

    private Outcome Scan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var left = (int[])_givenCounts.Clone();
        var remaining = left.Sum();
        var depth = 0;
        var expectOperand = true;
        var ended = false;
        var literalStart = -1;

        for (var i = 0; i <= text.Length; i++)
        {
            var atEnd = i == text.Length;
            var c = atEnd ? '\0' : text[i];
            if (!atEnd && ended) return Outcome.Dead;
            if (!atEnd && char.IsAsciiDigit(c))
            {
                if (literalStart < 0)
                {
                    if (!expectOperand) return Outcome.Dead;
                    literalStart = i;
                }
                if (!AnyUnusedStartsWith(text.AsSpan(literalStart, i - literalStart + 1), left)) return Outcome.Dead;
                continue;
            }
            if (literalStart >= 0)
            {
                var literal = text.AsSpan(literalStart, i - literalStart);
                if (atEnd)
                {
                    // Still typing: viable (checked above); complete only if it is the last number, exactly.
                    var exact = UnusedIndexOf(literal, left);
                    return exact >= 0 && remaining == 1 && depth == 0 ? Outcome.Complete : Outcome.Viable;
                }
                var used = UnusedIndexOf(literal, left);
                if (used < 0) return Outcome.Dead;
                left[used]--;
                remaining--;
                literalStart = -1;
                expectOperand = false;
            }
            if (atEnd) break;
            switch (c)
            {
                case '(':
                    if (!expectOperand || remaining == 0 || depth >= ArithmeticParser.MaxNestingDepth) return Outcome.Dead;
                    depth++;
                    break;
                case ')':
                    if (expectOperand || depth == 0) return Outcome.Dead;
                    depth--;
                    break;
                case '+' or '-' or '*' or '/':
                    if (expectOperand || remaining == 0) return Outcome.Dead;
                    expectOperand = true;
                    break;
                case '\n':
                    if (expectOperand || depth > 0 || remaining > 0) return Outcome.Dead;
                    ended = true;
                    break;
                default:
                    return Outcome.Dead;
            }
        }
        return !expectOperand && depth == 0 && remaining == 0 ? Outcome.Complete : Outcome.Viable;
    }

    private bool AnyUnusedStartsWith(ReadOnlySpan<char> digits, int[] left)
    {
        for (var k = 0; k < _distinct.Length; k++)
            if (left[k] > 0 && _distinctTexts[k].AsSpan().StartsWith(digits, StringComparison.Ordinal)) return true;
        return false;
    }

    private int UnusedIndexOf(ReadOnlySpan<char> digits, int[] left)
    {
        for (var k = 0; k < _distinct.Length; k++)
            if (left[k] > 0 && digits.SequenceEqual(_distinctTexts[k])) return k;
        return -1;
    }
}
