namespace Sdpo.Contracts;

/// <summary>
/// Turns an attempt into a verdict with feedback. Implementations must be safe to call concurrently,
/// must honour cancellation, and must report their own failures as <see cref="VerdictStatus.VerifierError"/>
/// verdicts rather than throwing (an <see cref="OperationCanceledException"/> on cancellation is fine).
/// </summary>
public interface IVerifier
{
    /// <summary>The spec kind this verifier implements ("exact", "python", ...).</summary>
    string Kind { get; }

    Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default);
}
