namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// Why text is not an expression: <see cref="Problem"/> ("unexpected ')'") at a 1-based <see cref="Column"/>,
/// with an optional <see cref="Hint"/>. <see cref="Message"/> is the feedback text.
/// </summary>
public sealed record ArithmeticParseError(string Problem, int Column, string? Hint = null)
{
    public string Message => Hint is null ? $"{Problem} at column {Column}" : $"{Problem} at column {Column} ({Hint})";

    public override string ToString() => Message;
}

/// <summary>Thrown by <see cref="ArithmeticParser.Parse"/>; carries the same <see cref="ArithmeticParseError"/>.</summary>
public sealed class ArithmeticParseException(ArithmeticParseError error) : FormatException(error.Message)
{
    public ArithmeticParseError Error { get; } = error;
}
