using Microsoft.Extensions.Logging;
using Sdpo.Verifiers.Benchmarking;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

public class SandboxServiceTests
{
    [PythonFact]
    public async Task RunningWithoutBubblewrapLogsAWarningOnce()
    {
        var logger = new CapturingLogger<PythonSandbox>();
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { UseBubblewrap = false }, logger);
        for (var i = 0; i < 2; i++) Assert.True((await Sandboxes.RunPython(sandbox, "x = 1\n", "assert x == 1\n")).Passed);
        var warning = Assert.Single(logger.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains("WITHOUT the bubblewrap sandbox", warning.Message);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task ThroughputHelperCountsEveryVerification()
    {
        var verifier = new PythonVerifier(new PythonSpec("assert double(2) == 4\n"), Sandboxes.Sandboxed);
        var attempts = Enumerable.Range(0, 6)
            .Select(i => Sandboxes.AttemptOf(i % 2 == 0 ? "def double(x):\n    return 2 * x\n" : "def double(x):\n    return x\n"))
            .ToList();
        var result = await VerifierThroughput.MeasureAsync(verifier, attempts, parallelism: 3);
        Assert.Equal(6, result.Verifications);
        Assert.Equal(3, result.Passed);
        Assert.Equal(6, result.Sandboxed);
        Assert.True(result.PerSecond > 0);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task CancellationStopsARunningVerification()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var verifier = new PythonVerifier(new PythonSpec("assert True\n", TimeoutSeconds: 30), Sandboxes.Sandboxed);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            verifier.VerifyAsync(Sandboxes.AttemptOf("while True:\n    pass\n"), cancellation.Token));
    }

    [PythonFact]
    public async Task AVerdictsDurationLeavesOutTheWaitForAFreeSlot()
    {
        // One slot: the second verification waits for the first (1.5 s) and then runs its own 1.5 s. Measured from before
        // the wait, it reported about 3 s.
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { MaxConcurrency = 1, TimeoutSeconds = 10 });
        var runs = Enumerable.Range(0, 2)
            .Select(_ => Sandboxes.RunPython(sandbox, "import time\ntime.sleep(1.5)\n", "assert True\n"))
            .ToList();
        foreach (var verdict in await Task.WhenAll(runs))
        {
            Assert.True(verdict.Passed, verdict.Feedback);
            Assert.InRange(verdict.Duration.TotalSeconds, 1.5, 2.7);
        }
    }

    [PythonFact(needsBubblewrap: true)]
    public void SpecLimitsAreCappedByTheOptions()
    {
        var limits = Sandboxes.Sandboxed.LimitsFor(timeoutSeconds: 10_000, memoryMb: 1_000_000);
        Assert.Equal(TimeSpan.FromSeconds(Sandboxes.Sandboxed.Options.MaxTimeoutSeconds), limits.Timeout);
        Assert.Equal(Sandboxes.Sandboxed.Options.MaxMemoryMb, limits.MemoryMb);
    }
}
