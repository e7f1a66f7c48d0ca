using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Service.Api;

/// <summary>
/// Refuses a submission that needs Python verifications when none can run here (python3 does not run, or the sandbox is
/// required and unavailable): accepted, its run would only collect verifier errors until the engine failed it (eight in a
/// row), the setup's fault told as the run's, after the model's time was spent. 503, as for a model that cannot be used:
/// the service's setup, not the request, is wrong.
/// </summary>
public static class PythonVerifierGate
{
    public static bool UsesPython(IVerifier verifier) => verifier is PythonVerifier or P3Verifier;

    /// <summary>Whether a problem spec (as a request or a benchmark gives it) names a python or p3 verifier.</summary>
    public static bool UsesPython(JsonElement problem) =>
        problem.ValueKind == JsonValueKind.Object
        && problem.TryGetProperty("verifier", out var verifier) && verifier.ValueKind == JsonValueKind.Object
        && verifier.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
        && kind.GetString() is { } name
        && (name.Equals(PythonSpec.KindName, StringComparison.OrdinalIgnoreCase) || name.Equals(P3Spec.KindName, StringComparison.OrdinalIgnoreCase));

    /// <summary>The 503 to answer, or null when Python verifications can run (or are not needed).</summary>
    public static async Task<ProblemHttpResult?> RefusalAsync(bool usesPython, PythonSandbox sandbox) =>
        usesPython && await sandbox.UnavailableReasonAsync() is { } reason
            ? TypedResults.Problem(
                title: "Python verifiers are not available",
                detail: $"This service cannot run python or p3 verifications: {reason}. Other verifiers work.",
                statusCode: StatusCodes.Status503ServiceUnavailable)
            : null;
}
