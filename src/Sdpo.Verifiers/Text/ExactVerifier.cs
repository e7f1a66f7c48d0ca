using System.Diagnostics;
using System.Text.RegularExpressions;
using Sdpo.Contracts;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Text;

/// <summary>Passes when the attempt equals the expected answer after the spec's normalisations.</summary>
public sealed partial class ExactVerifier(ExactSpec spec) : IVerifier
{
    public string Kind => ExactSpec.KindName;

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var comparison = spec.CaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var equal = string.Equals(Normalize(attempt.Text), Normalize(spec.Answer), comparison);
        var duration = Stopwatch.GetElapsedTime(started);
        return Task.FromResult(equal
            ? Verdict.Pass("The answer matches exactly.", duration)
            : Verdict.Fail(VerdictStatus.Wrong, "The answer does not match the expected answer.", duration));
    }

    private string Normalize(string text)
    {
        if (spec.FoldWhitespace) text = Whitespace().Replace(text, " ");
        if (spec.Trim || spec.FoldWhitespace) text = text.Trim();
        return text;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
