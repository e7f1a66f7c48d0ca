using System.Text.Json.Nodes;
using Sdpo.Contracts;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Python;

/// <summary>
/// A Python Programming Puzzle: the attempt is an answer expression or a <c>def sol()</c>; it passes iff
/// <c>sat(answer)</c> returns True within the sandbox's limits.
/// </summary>
public sealed class P3Verifier(P3Spec spec, PythonSandbox sandbox) : IVerifier
{
    public string Kind => P3Spec.KindName;

    /// <summary>A sat that does not compile or is missing, or an answer type that cannot be evaluated, would fail every
    /// attempt as a verifier error (or, for the type, skip the check): refused with the spec instead.</summary>
    /// <exception cref="VerifierSpecException">Names sat or answerType.</exception>
    public static async Task CheckSpecAsync(P3Spec spec, PythonSandbox sandbox, string path, CancellationToken cancellationToken = default)
    {
        var job = new JsonObject { ["mode"] = "p3", ["sat"] = spec.Sat, ["answerType"] = spec.AnswerType };
        if (await sandbox.CheckSpecCodeAsync(job, cancellationToken).ConfigureAwait(false) is { } problem)
            throw new VerifierSpecException($"{path}.{problem.Field}", problem.Problem);
    }

    public async Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        var limits = sandbox.LimitsFor(spec.TimeoutSeconds, memoryMb: null);
        var job = new JsonObject
        {
            ["mode"] = "p3",
            ["code"] = CodeBlockExtractor.Extract(attempt.Text),
            ["sat"] = spec.Sat,
            ["answerType"] = spec.AnswerType,
        };
        var run = await sandbox.RunHarnessAsync(job, limits, cancellationToken).ConfigureAwait(false);
        return SandboxVerdicts.ToVerdict(run, limits, sandbox.Options.OutputKillBytes);
    }
}
