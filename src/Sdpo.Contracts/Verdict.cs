namespace Sdpo.Contracts;

/// <summary>
/// A verifier's answer for one attempt. <see cref="Feedback"/> is the text the SDPO teacher reads, so it
/// should say what is wrong without revealing a solution. <see cref="Sandboxed"/> says whether untrusted
/// code ran inside the sandbox.
/// </summary>
public sealed record Verdict(
    VerdictStatus Status,
    string Feedback,
    TimeSpan Duration = default,
    bool Sandboxed = false,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    public bool Passed => Status == VerdictStatus.Passed;

    public static Verdict Pass(string feedback = "", TimeSpan duration = default) => new(VerdictStatus.Passed, feedback, duration);

    public static Verdict Fail(VerdictStatus status, string feedback, TimeSpan duration = default)
    {
        if (status == VerdictStatus.Passed) throw new ArgumentException("A failing verdict cannot have status Passed.", nameof(status));
        return new(status, feedback, duration);
    }
}
