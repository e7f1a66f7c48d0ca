using Sdpo.Contracts;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Http;

/// <summary>POSTs {problem, attempt} to the user's URL and reads back {passed, feedback}.</summary>
public sealed class HttpVerifier(HttpSpec spec, WebhookClient client) : IVerifier
{
    public string Kind => HttpSpec.KindName;

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
        client.VerifyAsync(spec.Url, spec.TimeoutSeconds, attempt, cancellationToken);
}
