using System.Text.Json.Nodes;
using Sdpo.Contracts;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Python;

/// <summary>
/// Runs the attempt's code (taken out of a Markdown fence when it has one) against the spec's tests in the
/// sandbox: top-level asserts, or <c>check(candidate)</c> with the entry point.
/// </summary>
public sealed class PythonVerifier(PythonSpec spec, PythonSandbox sandbox) : IVerifier
{
    public string Kind => PythonSpec.KindName;

    /// <summary>Tests that do not compile would fail every attempt as a verifier error: refused with the spec instead.</summary>
    /// <exception cref="VerifierSpecException">The tests do not compile.</exception>
    public static async Task CheckSpecAsync(PythonSpec spec, PythonSandbox sandbox, string path, CancellationToken cancellationToken = default)
    {
        var job = new JsonObject { ["mode"] = "tests", ["tests"] = spec.Tests };
        if (await sandbox.CheckSpecCodeAsync(job, cancellationToken).ConfigureAwait(false) is { } problem)
            throw new VerifierSpecException($"{path}.{problem.Field}", problem.Problem);
    }

    public async Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        var limits = sandbox.LimitsFor(spec.TimeoutSeconds, spec.MemoryMb);
        var job = new JsonObject
        {
            ["mode"] = "tests",
            ["code"] = (spec.Prefix ?? "") + CodeBlockExtractor.Extract(attempt.Text),
            // The prefix is the problem's own code: the checker also runs it, so the helpers the tests call (HumanEval's
            // poly, encode_cyclic) are the problem's, whatever the attempt redefines.
            ["prefix"] = spec.Prefix,
            ["tests"] = spec.Tests,
            ["entryPoint"] = spec.EntryPoint,
        };
        var run = await sandbox.RunHarnessAsync(job, limits, cancellationToken).ConfigureAwait(false);
        return SandboxVerdicts.ToVerdict(run, limits, sandbox.Options.OutputKillBytes);
    }
}
