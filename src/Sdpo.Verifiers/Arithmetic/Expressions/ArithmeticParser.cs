using System.Diagnostics.CodeAnalysis;

namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// Recursive-descent parser for <c>expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
/// factor := number | '(' expr ')'</c>, left-associative. Numbers are non-negative integer literals; there is
/// no unary minus and no decimal point, since an answer may only combine the given numbers. '×', '÷' and
/// '−' read as '*', '/' and '-'. Length, nesting and literal size are capped so that hostile input costs
/// little and cannot exhaust the stack.
/// </summary>
public static class ArithmeticParser
{
    public const int MaxLength = 200;
    public const int MaxNestingDepth = 16;
    public const int MaxDigits = 18;

    public static ArithmeticExpression Parse(string text) =>
        TryParse(text, out var expression, out var error) ? expression : throw new ArithmeticParseException(error);

    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out ArithmeticExpression? expression,
        [NotNullWhen(false)] out ArithmeticParseError? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        expression = null;
        if (text.Length > MaxLength)
        {
            error = new ArithmeticParseError($"too long ({text.Length} characters, limit {MaxLength})", 0);
            return false;
        }
        var tokens = ArithmeticTokenizer.Tokenize(text);
        if (tokens.Count == 0)
        {
            error = new ArithmeticParseError("empty expression", 0);
            return false;
        }
        var parser = new Parser(tokens, endColumn: text.TrimEnd().Length + 1);
        try
        {
            var parsed = parser.ParseExpression(depth: 0);
            if (!parser.AtEnd) throw parser.UnexpectedAfterOperand();
            expression = parsed;
            error = null;
            return true;
        }
        catch (ArithmeticParseException failure)
        {
            error = failure.Error;
            return false;
        }
    }

    private sealed class Parser(IReadOnlyList<ArithmeticToken> tokens, int endColumn)
    {
        private int _next;

        public bool AtEnd => _next >= tokens.Count;

        private ArithmeticToken Current => tokens[_next];

        public ArithmeticExpression ParseExpression(int depth)
        {
            var left = ParseTerm(depth);
            while (!AtEnd && Current.Kind == ArithmeticTokenKind.Operator && Current.Operator.Precedence() == 1)
            {
                var op = tokens[_next++];
                left = new BinaryExpression(op.Operator, left, ParseTerm(depth), op.Column);
            }
            return left;
        }

        private ArithmeticExpression ParseTerm(int depth)
        {
            var left = ParseFactor(depth);
            while (!AtEnd && Current.Kind == ArithmeticTokenKind.Operator && Current.Operator.Precedence() == 2)
            {
                var op = tokens[_next++];
                left = new BinaryExpression(op.Operator, left, ParseFactor(depth), op.Column);
            }
            return left;
        }

        private ArithmeticExpression ParseFactor(int depth)
        {
            if (AtEnd) throw Error("unexpected end", endColumn, "expected a number");
            var token = tokens[_next];
            switch (token.Kind)
            {
                case ArithmeticTokenKind.Number:
                    _next++;
                    if (token.Text.Length > MaxDigits || !long.TryParse(token.Text, out var value))
                        throw Error("number too long", token.Column, $"limit {MaxDigits} digits");
                    return new NumberExpression(value, token.Column);
                case ArithmeticTokenKind.OpenParenthesis:
                    if (depth >= MaxNestingDepth) throw Error("too deeply nested", token.Column, $"limit {MaxNestingDepth}");
                    _next++;
                    var inner = ParseExpression(depth + 1);
                    if (AtEnd) throw Error("missing ')'", endColumn, "unclosed '('");
                    if (Current.Kind != ArithmeticTokenKind.CloseParenthesis) throw UnexpectedAfterOperand();
                    _next++;
                    return inner;
                default:
                    throw Error($"unexpected {Show(token)}", token.Column, token.Kind == ArithmeticTokenKind.Operator ? "expected a number" : null);
            }
        }

        /// <summary>An operand was complete and something other than an operator (or the right ')') followed.</summary>
        public ArithmeticParseException UnexpectedAfterOperand()
        {
            var token = Current;
            var hint = token.Kind is ArithmeticTokenKind.Number or ArithmeticTokenKind.OpenParenthesis ? "missing operator" : null;
            return Error($"unexpected {Show(token)}", token.Column, hint);
        }

        /// <summary>'x' for printable ASCII; U+XXXX otherwise, so feedback stays plain, valid text.</summary>
        private static string Show(ArithmeticToken token) =>
            token.Text.Length == 1 && token.Text[0] is < ' ' or > '~' ? $"U+{(int)token.Text[0]:X4}" : $"'{token.Text}'";

        private static ArithmeticParseException Error(string problem, int column, string? hint = null) =>
            new(new ArithmeticParseError(problem, column, hint));
    }
}
