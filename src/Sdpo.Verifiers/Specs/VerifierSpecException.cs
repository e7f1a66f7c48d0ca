namespace Sdpo.Verifiers.Specs;

/// <summary>A verifier spec that cannot be used; <see cref="Field"/> is the JSON path of the offending field.</summary>
public sealed class VerifierSpecException : Exception
{
    public VerifierSpecException(string field, string problem)
        : base($"{field}: {problem}")
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The path of the field, e.g. "verifier.pattern".</summary>
    public string Field { get; }

    /// <summary>What is wrong with it, without the field name.</summary>
    public string Problem { get; }
}
