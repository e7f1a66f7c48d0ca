using Sdpo.Contracts;

namespace Sdpo.Training.Arithmetic;

/// <summary>What the arithmetic verifier's feedback is about; the teacher may use some kinds better than others.</summary>
public enum FeedbackKind
{
    /// <summary>The answer did not parse.</summary>
    Malformed,
    /// <summary>Numbers used twice, missing or not given.</summary>
    NumbersMisused,
    /// <summary>The right numbers, the wrong value (or a division by zero).</summary>
    WrongValue,
}

public static class FeedbackKinds
{
    public static FeedbackKind Of(Verdict verdict)
    {
        if (verdict.Status == VerdictStatus.Invalid) return FeedbackKind.Malformed;
        string feedback = verdict.Feedback;
        bool misused = feedback.Contains("not used", StringComparison.Ordinal)
            || feedback.Contains("not given", StringComparison.Ordinal)
            || feedback.Contains(" times, given", StringComparison.Ordinal);
        return misused ? FeedbackKind.NumbersMisused : FeedbackKind.WrongValue;
    }
}
