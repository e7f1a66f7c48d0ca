namespace Sdpo.Service.Problems;

/// <summary>A problem specification that cannot be used; <see cref="Field"/> is the JSON path of the culprit
/// (e.g. "problem.verifier.kind").</summary>
public sealed class ProblemSpecException : Exception
{
    public ProblemSpecException(string field, string message) : base(message) => Field = field;

    public string Field { get; }
}
