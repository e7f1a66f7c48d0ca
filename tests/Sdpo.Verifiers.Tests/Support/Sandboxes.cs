using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Tests.Support;

/// <summary>Shared sandboxes for the tests (each owns concurrency slots, so tests reuse them).</summary>
internal static class Sandboxes
{
    private static readonly Lazy<PythonSandbox> SandboxedInstance = new(() => new PythonSandbox(new PythonVerifierOptions
    {
        TimeoutSeconds = 5,
        RequireSandbox = true,
    }));

    // The service's default settings: bubblewrap where it works, rlimits only where it does not.
    private static readonly Lazy<PythonSandbox> AsTheServiceRunsItInstance = new(() => new PythonSandbox(new PythonVerifierOptions
    {
        TimeoutSeconds = 5,
    }));

    private static readonly Lazy<PythonSandbox> UnsandboxedInstance = new(() => new PythonSandbox(new PythonVerifierOptions
    {
        TimeoutSeconds = 5,
        UseBubblewrap = false,
    }));

    public static PythonSandbox Sandboxed => SandboxedInstance.Value;
    public static PythonSandbox Unsandboxed => UnsandboxedInstance.Value;

    /// <summary>For conformance tests of the verifiers' results, which must run on a machine without bubblewrap too;
    /// <see cref="PythonSandbox.UnsandboxedReasonAsync"/> says which way this machine runs them.</summary>
    public static PythonSandbox AsTheServiceRunsIt => AsTheServiceRunsItInstance.Value;

    public static Attempt AttemptOf(string text) => new(new Problem("test problem", "t1"), text);

    public static Task<Verdict> RunPython(PythonSandbox sandbox, string code, string tests, string? entryPoint = null, double? timeoutSeconds = null) =>
        new PythonVerifier(new PythonSpec(tests, entryPoint, TimeoutSeconds: timeoutSeconds), sandbox).VerifyAsync(AttemptOf(code));
}
