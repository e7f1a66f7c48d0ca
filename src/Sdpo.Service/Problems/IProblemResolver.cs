using System.Text.Json;

namespace Sdpo.Service.Problems;

/// <summary>Turns the "problem" object of a request into a prompt and a verifier.</summary>
public interface IProblemResolver
{
    /// <summary>Throws <see cref="ProblemSpecException"/> naming the field when the specification is unusable. Asynchronous
    /// because a python or p3 verifier's code is compiled by python3; <paramref name="problem"/> must stay readable until
    /// the task ends.</summary>
    Task<ResolvedProblem> ResolveAsync(JsonElement problem, CancellationToken cancellationToken);
}
