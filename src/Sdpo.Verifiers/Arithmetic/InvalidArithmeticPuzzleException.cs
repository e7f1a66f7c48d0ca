namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// An arithmetic puzzle spec that breaks a rule. <see cref="Field"/> names the offending JSON field
/// ("numbers", "numbers[2]", "target", "kind", or "spec" for the document as a whole) and the message starts
/// with it: "numbers: expected 3 to 6 numbers, got 2".
/// </summary>
public sealed class InvalidArithmeticPuzzleException : ArgumentException
{
    public InvalidArithmeticPuzzleException(string field, string problem, Exception? inner = null)
        : base($"{field}: {problem}", inner)
    {
        Field = field;
    }

    public string Field { get; }

    // ArgumentException appends " (Parameter 'x')" to Message; the field is already at the front.
    public override string Message => $"{Field}: {base.Message[(Field.Length + 2)..]}";
}
