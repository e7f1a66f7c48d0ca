using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;
using Sdpo.Verifiers;

namespace Sdpo.Service.Api;

/// <summary>One attempt of a run, with the verifier's verdict; <c>verdictStatus</c> is the wire name the event stream
/// uses ("wrong", "compile-error"). <c>verdictReused</c> and <c>sandboxed</c> say what the attempt's event says:
/// its verdict repeats an earlier copy's without a verifier call, and its code ran in the sandbox.</summary>
public sealed record AttemptView(
    [property: WireValues(typeof(DiscoveryMethod))] string Method, int Index, int Step, string Text, int TokenCount,
    [property: WireValues(typeof(Sdpo.Contracts.VerdictStatus))] string VerdictStatus, bool Passed, string Feedback,
    double SamplingMs, double VerifyingMs, DateTimeOffset CreatedAt, bool VerdictReused, bool Sandboxed)
{
    public static AttemptView From(AttemptEntity a) =>
        new(a.Method, a.Index, a.Step, a.Text, a.TokenCount, WireName(a.VerdictStatus), a.Passed, a.Feedback, a.SamplingMs, a.VerifyingMs, a.CreatedAt,
            a.VerdictReused, a.Sandboxed);

    public static AttemptView Example => new("sdpo", 11, 1, "(3 + 7) * 5 / 5 + ...", 9, "wrong", false,
        "The expression equals 21, not 22.", 412.5, 0.3, DateTimeOffset.Parse("2026-01-01T12:00:03Z"), false, false);

    /// <summary>Rows store the enum's name ("CompileError"); the API speaks the verifiers' wire names.</summary>
    private static string WireName(string stored) =>
        Enum.TryParse<VerdictStatus>(stored, out var status) ? status.ToName() : stored;
}

/// <summary>A page of attempts in index order.</summary>
public sealed record AttemptPage(int Total, int Offset, int Limit, IReadOnlyList<AttemptView> Items)
{
    public static AttemptPage Example => new(12, 0, 50, [AttemptView.Example]);
}
