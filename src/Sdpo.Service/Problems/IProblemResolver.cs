using System.Text.Json;

namespace Sdpo.Service.Problems;

/// <summary>Turns the "problem" object of a request into a prompt and a verifier.</summary>
public interface IProblemResolver
{
    /// <summary>Throws <see cref="ProblemSpecException"/> naming the field when the specification is unusable.</summary>
    ResolvedProblem Resolve(JsonElement problem);
}
