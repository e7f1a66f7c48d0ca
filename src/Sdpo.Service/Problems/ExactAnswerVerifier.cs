using System.Diagnostics;
using Sdpo.Contracts;

namespace Sdpo.Service.Problems;

/// <summary>Stand-in for the verifier factory's "exact" kind: passes when the trimmed attempt equals the expected text.</summary>
public sealed class ExactAnswerVerifier(string expected) : IVerifier
{
    public string Kind => "exact";

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var passed = string.Equals(attempt.Text.Trim(), expected.Trim(), StringComparison.Ordinal);
        var duration = Stopwatch.GetElapsedTime(started);
        return Task.FromResult(passed
            ? Verdict.Pass(duration: duration)
            : Verdict.Fail(VerdictStatus.Wrong, "The answer does not match the expected answer.", duration));
    }
}
