using System.Diagnostics;
using System.Text.RegularExpressions;
using Sdpo.Contracts;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Text;

/// <summary>Passes when the trimmed attempt matches the spec's pattern; a runaway match is a verifier error.</summary>
public sealed class RegexVerifier(RegexSpec spec) : IVerifier
{
    private readonly Regex _regex = SafeRegex.Create(spec.Pattern, spec.IgnoreCase, spec.FullMatch);

    public string Kind => RegexSpec.KindName;

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var matched = _regex.IsMatch(attempt.Text.Trim());
            var duration = Stopwatch.GetElapsedTime(started);
            return Task.FromResult(matched
                ? Verdict.Pass("The answer matches the expected pattern.", duration)
                : Verdict.Fail(VerdictStatus.Wrong, "The answer does not have the expected form.", duration));
        }
        catch (RegexMatchTimeoutException)
        {
            return Task.FromResult(Verdict.Fail(VerdictStatus.VerifierError,
                $"The verifier's pattern took longer than {SafeRegex.MatchTimeout.TotalMilliseconds:0} ms to match and was stopped.",
                Stopwatch.GetElapsedTime(started)));
        }
    }
}
