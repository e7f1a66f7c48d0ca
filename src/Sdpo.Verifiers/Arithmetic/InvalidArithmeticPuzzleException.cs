namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// An arithmetic puzzle spec that breaks a rule. <see cref="Field"/> names the offending JSON field
/// ("numbers", "numbers[2]", "target", "kind", or "spec" for the document as a whole) and the message starts
/// with it: "numbers: expected 3 to 6 numbers, got 2".
/// </summary>
public sealed class InvalidArithmeticPuzzleException : ArgumentException
{
    public InvalidArithmeticPuzzleException(string field, string problem, Exception? inner = null)
        : base($"{field}: {problem}", field, inner)
    {
        Field = field;
        Problem = problem;
    }

    public string Field { get; }

    /// <summary>The message without the field: "expected 3 to 6 numbers, got 2".</summary>
    public string Problem { get; }

    // ArgumentException would append " (Parameter 'x')"; the field is already at the front.
    public override string Message => $"{Field}: {Problem}";
}
