namespace Sdpo.Verifiers.Specs;

/// <summary>
/// A validated verifier description, as a user sends it in JSON with a <c>kind</c> discriminator.
/// Build one with <see cref="VerifierSpecParser"/> and turn it into a verifier with <see cref="VerifierFactory"/>.
/// </summary>
public abstract record VerifierSpec
{
    public abstract string Kind { get; }
}

/// <summary>The attempt must equal <see cref="Answer"/> after the chosen normalisations.</summary>
public sealed record ExactSpec(string Answer, bool Trim = true, bool CaseInsensitive = false, bool FoldWhitespace = false)
    : VerifierSpec
{
    public const string KindName = "exact";
    public override string Kind => KindName;
}

/// <summary>The attempt must match <see cref="Pattern"/> (the whole trimmed attempt when <see cref="FullMatch"/>).</summary>
public sealed record RegexSpec(string Pattern, bool IgnoreCase = false, bool FullMatch = true) : VerifierSpec
{
    public const string KindName = "regex";
    public override string Kind => KindName;
}

/// <summary>The number in the attempt must be within either tolerance of <see cref="Answer"/>.</summary>
public sealed record NumericSpec(double Answer, double AbsoluteTolerance = 1e-9, double RelativeTolerance = 0) : VerifierSpec
{
    public const string KindName = "numeric";
    public override string Kind => KindName;
}

/// <summary>An arithmetic target puzzle: combine every number once to reach the target.</summary>
public sealed record ArithmeticSpec(IReadOnlyList<int> Numbers, int Target) : VerifierSpec
{
    public const string KindName = "arithmetic";
    public override string Kind => KindName;
}

/// <summary>
/// The attempt is Python code checked by <see cref="Tests"/>: top-level asserts, or a HumanEval-style
/// <c>check(candidate)</c> called with the function named <see cref="EntryPoint"/>. <see cref="Prefix"/> is
/// prepended to the attempt (for completion-style tasks whose prompt holds the signature).
/// </summary>
public sealed record PythonSpec(
    string Tests,
    string? EntryPoint = null,
    string? Prefix = null,
    double? TimeoutSeconds = null,
    int? MemoryMb = null) : VerifierSpec
{
    public const string KindName = "python";
    public override string Kind => KindName;
}

/// <summary>
/// A Python Programming Puzzle: the attempt is an answer expression or a <c>def sol()</c>; it passes iff
/// <c>sat(answer)</c> returns True. <see cref="AnswerType"/> (e.g. "List[int]") is checked first when given.
/// </summary>
public sealed record P3Spec(string Sat, string? AnswerType = null, double? TimeoutSeconds = null) : VerifierSpec
{
    public const string KindName = "p3";
    public override string Kind => KindName;
}

/// <summary>A user webhook: the problem and attempt are POSTed to <see cref="Url"/>, which answers {passed, feedback}.</summary>
public sealed record HttpSpec(Uri Url, double? TimeoutSeconds = null) : VerifierSpec
{
    public const string KindName = "http";
    public override string Kind => KindName;
}
