namespace Sdpo.Verifiers.Arithmetic.Expressions;

public enum ArithmeticTokenKind
{
    Number,
    Operator,
    OpenParenthesis,
    CloseParenthesis,
    /// <summary>Any other character; the parser rejects it, the distance treats it as a token of its own.</summary>
    Other,
}

/// <summary>
/// One token with its 1-based column. <see cref="Text"/> is normalised: digits for a number, the ASCII symbol
/// for an operator (so '×' reads as "*"), the character itself otherwise.
/// </summary>
public readonly record struct ArithmeticToken(ArithmeticTokenKind Kind, string Text, int Column, ArithmeticOperator Operator = default);

public static class ArithmeticTokenizer
{
    /// <summary>Splits text into tokens, skipping whitespace; never fails.</summary>
    public static IReadOnlyList<ArithmeticToken> Tokenize(string text)
    {
        var tokens = new List<ArithmeticToken>();
        var index = 0;
        while (index < text.Length)
        {
            var character = text[index];
            var column = index + 1;
            if (char.IsWhiteSpace(character))
            {
                index++;
            }
            else if (char.IsAsciiDigit(character))
            {
                var start = index;
                while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
                tokens.Add(new ArithmeticToken(ArithmeticTokenKind.Number, text[start..index], column));
            }
            else
            {
                tokens.Add(SingleCharacterToken(character, column));
                index++;
            }
        }
        return tokens;
    }

    private static ArithmeticToken SingleCharacterToken(char character, int column) => character switch
    {
        '+' => OperatorToken(ArithmeticOperator.Add, column),
        '-' or '\u2212' => OperatorToken(ArithmeticOperator.Subtract, column), // − minus sign
        '*' or '\u00D7' => OperatorToken(ArithmeticOperator.Multiply, column), // × multiplication sign
        '/' or '\u00F7' => OperatorToken(ArithmeticOperator.Divide, column), // ÷ division sign
        '(' => new ArithmeticToken(ArithmeticTokenKind.OpenParenthesis, "(", column),
        ')' => new ArithmeticToken(ArithmeticTokenKind.CloseParenthesis, ")", column),
        _ => new ArithmeticToken(ArithmeticTokenKind.Other, character.ToString(), column),
    };

    private static ArithmeticToken OperatorToken(ArithmeticOperator op, int column) =>
        new(ArithmeticTokenKind.Operator, op.Symbol().ToString(), column, op);
}
