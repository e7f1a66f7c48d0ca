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

    private static readonly Lazy<PythonSandbox> UnsandboxedInstance = new(() => new PythonSandbox(new PythonVerifierOptions
    {
        TimeoutSeconds = 5,
        UseBubblewrap = false,
    }));

    public static PythonSandbox Sandboxed => SandboxedInstance.Value;
    public static PythonSandbox Unsandboxed => UnsandboxedInstance.Value;

    /// <summary>True where bubblewrap is installed (CI installs it), so conformance runs are sandboxed.</summary>
    public static bool BubblewrapInstalled => Tools.Exists("bwrap");

    /// <summary>For conformance tests of the verifiers' results: the sandbox where bubblewrap is installed, rlimits only
    /// elsewhere, so a machine without bubblewrap still checks every verdict (the sandbox has tests of its own).</summary>
    public static PythonSandbox ForConformance => BubblewrapInstalled ? Sandboxed : Unsandboxed;

    public static Attempt AttemptOf(string text) => new(new Problem("test problem", "t1"), text);

    public static Task<Verdict> RunPython(PythonSandbox sandbox, string code, string tests, string? entryPoint = null, double? timeoutSeconds = null) =>
        new PythonVerifier(new PythonSpec(tests, entryPoint, TimeoutSeconds: timeoutSeconds), sandbox).VerifyAsync(AttemptOf(code));
}
