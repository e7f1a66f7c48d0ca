namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// Why text is not an expression: <see cref="Problem"/> ("unexpected ')'") at a 1-based <see cref="Column"/>
/// (0 when the problem has no position, such as an empty answer), with an optional <see cref="Hint"/>.
/// <see cref="Message"/> is the feedback text: "unexpected '(' at column 2 (missing operator)".
/// </summary>
public sealed record ArithmeticParseError(string Problem, int Column, string? Hint = null)
{
    public string Message
    {
        get
        {
            var at = Column > 0 ? $"{Problem} at column {Column}" : Problem;
            return Hint is null ? at : $"{at} ({Hint})";
        }
    }

    public override string ToString() => Message;
}

/// <summary>Thrown by <see cref="ArithmeticParser.Parse"/>; carries the same <see cref="ArithmeticParseError"/>.</summary>
public sealed class ArithmeticParseException(ArithmeticParseError error) : FormatException(error.Message)
{
    public ArithmeticParseError Error { get; } = error;
}
