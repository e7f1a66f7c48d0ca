using Sdpo.Contracts;

namespace Sdpo.Cli.Benchmarks;

/// <summary>Sends each attempt to the verifier of its problem (by <see cref="Problem.Id"/>), so one throughput
/// measurement can cover a whole problem set.</summary>
public sealed class ProblemRoutingVerifier(IReadOnlyDictionary<string, IVerifier> byProblemId, string kind) : IVerifier
{
    public string Kind => kind;

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
        attempt.Problem.Id is { } id && byProblemId.TryGetValue(id, out var verifier)
            ? verifier.VerifyAsync(attempt, cancellationToken)
            : Task.FromResult(Verdict.Fail(VerdictStatus.VerifierError, $"No verifier for problem '{attempt.Problem.Id}'."));
}
