using System.Diagnostics;
using Sdpo.Contracts;

namespace Sdpo.Verifiers.Benchmarking;

/// <summary>How many verifications ran, how many passed and ran sandboxed, and how long they all took.</summary>
public sealed record ThroughputResult(int Verifications, int Passed, int Sandboxed, TimeSpan Elapsed)
{
    public double PerSecond => Elapsed > TimeSpan.Zero ? Verifications / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Runs many attempts through one verifier at a chosen parallelism: the measuring loop of a benchmark
/// command (e.g. Python verifications per second with a <c>PythonSandbox</c> built with UseBubblewrap on
/// and off). The concurrency that actually runs is also capped by the sandbox's MaxConcurrency.
/// </summary>
public static class VerifierThroughput
{
    public static async Task<ThroughputResult> MeasureAsync(
        IVerifier verifier, IReadOnlyList<Attempt> attempts, int parallelism, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var passed = 0;
        var sandboxed = 0;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(attempts,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (attempt, token) =>
            {
                var verdict = await verifier.VerifyAsync(attempt, token).ConfigureAwait(false);
                if (verdict.Passed) Interlocked.Increment(ref passed);
                if (verdict.Sandboxed) Interlocked.Increment(ref sandboxed);
            }).ConfigureAwait(false);
        return new ThroughputResult(attempts.Count, passed, sandboxed, Stopwatch.GetElapsedTime(started));
    }
}
