using System.Diagnostics;
using System.Globalization;
using Sdpo.Contracts;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Text;

/// <summary>
/// Passes when the attempt's number is within the absolute or relative tolerance of the answer. Feedback says
/// whether it was too high or too low, never the answer itself.
/// </summary>
public sealed class NumericVerifier(NumericSpec spec) : IVerifier
{
    public string Kind => NumericSpec.KindName;

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        if (!NumberExtractor.TryExtract(attempt.Text, out var value))
            return Done(Verdict.Fail(VerdictStatus.Invalid, "No number was found in the answer.", Stopwatch.GetElapsedTime(started)));

        var error = Math.Abs(value - spec.Answer);
        var shown = value.ToString("G10", CultureInfo.InvariantCulture);
        var duration = Stopwatch.GetElapsedTime(started);
        if (error <= spec.AbsoluteTolerance || error <= spec.RelativeTolerance * Math.Abs(spec.Answer))
            return Done(Verdict.Pass($"{shown} is correct.", duration));
        var direction = value > spec.Answer ? "too high" : "too low";
        return Done(Verdict.Fail(VerdictStatus.Wrong, $"{shown} is {direction}.", duration));
    }

    private static Task<Verdict> Done(Verdict verdict) => Task.FromResult(verdict);
}
