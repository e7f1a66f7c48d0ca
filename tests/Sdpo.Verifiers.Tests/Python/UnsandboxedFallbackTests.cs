using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>Without bubblewrap: rlimits and timeouts still apply, verdicts say Sandboxed = false.</summary>
public class UnsandboxedFallbackTests
{
    [PythonFact]
    public async Task RunsWithSandboxedFalse()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Unsandboxed, "def sq(x):\n    return x * x\n", "assert sq(3) == 9\n");
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.False(verdict.Sandboxed);
        Assert.NotNull(await Sandboxes.Unsandboxed.UnsandboxedReasonAsync());
    }

    [PythonFact]
    public async Task TimeoutAndHardExitAreStillCaught()
    {
        var loop = await Sandboxes.RunPython(Sandboxes.Unsandboxed, "while True:\n    pass\n", "assert True\n", timeoutSeconds: 1);
        Assert.Equal(VerdictStatus.Timeout, loop.Status);
        var exit = await Sandboxes.RunPython(Sandboxes.Unsandboxed, "import os\nos._exit(0)\n", "assert False\n");
        Assert.Equal(VerdictStatus.RuntimeError, exit.Status);
        Assert.False(exit.Sandboxed);
    }

    [PythonFact]
    public async Task WithoutPerRunUsersTheProcessGroupIsStillKilledOnTimeout()
    {
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { UseBubblewrap = false, SandboxUserIdBase = 0 });
        var loop = await Sandboxes.RunPython(sandbox, "import os\nos.fork()\nwhile True:\n    pass\n", "assert True\n", timeoutSeconds: 1);
        Assert.Equal(VerdictStatus.Timeout, loop.Status);
        Assert.True((await Sandboxes.RunPython(sandbox, "x = 2\n", "assert x == 2\n")).Passed);
    }

    [PythonFact]
    public async Task MemoryLimitStillApplies()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Unsandboxed, "hog = bytearray(10 * 1024 ** 3)\n", "assert True\n");
        Assert.Equal(VerdictStatus.MemoryLimit, verdict.Status);
    }

    [PythonFact]
    public async Task RequireSandboxRefusesToRunWithoutBubblewrap()
    {
        using var strict = new PythonSandbox(new PythonVerifierOptions { UseBubblewrap = false, RequireSandbox = true });
        var verdict = await Sandboxes.RunPython(strict, "x = 1\n", "assert x == 1\n");
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("sandbox is required", verdict.Feedback);
        Assert.Contains("UseBubblewrap", verdict.Feedback);
    }

    [PythonFact]
    public async Task AMissingBubblewrapIsReportedAndTheRunStillHappens()
    {
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { BubblewrapPath = "/nonexistent/bwrap" });
        var verdict = await Sandboxes.RunPython(sandbox, "x = 1\n", "assert x == 1\n");
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.False(verdict.Sandboxed);
        Assert.Contains("bubblewrap", await sandbox.UnsandboxedReasonAsync());
    }
}
