using Sdpo.Contracts;
using Sdpo.Engine.Discovery;

namespace Sdpo.Engine.Tests.Discovery;

public class ConstrainedRequestTests
{
    private sealed class AnyAnswer : IAnswerGrammar
    {
        public bool IsViablePrefix(string text) => true;
        public bool IsComplete(string text) => true;
    }

    private class PlainVerifier : IVerifier
    {
        public string Kind => "plain";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) => Task.FromResult(Verdict.Pass());
    }

    private sealed class GrammarVerifier : PlainVerifier, IGrammarVerifier
    {
        public IAnswerGrammar AnswerGrammar { get; } = new AnyAnswer();
    }

    private static DiscoveryRequest Request(IVerifier verifier, bool constrained) =>
        new(new Problem("Q"), verifier, Sampling: new AttemptSampling(Constrained: constrained));

    [Fact]
    public void ConstrainedSamplingTakesTheVerifiersGrammar()
    {
        var verifier = new GrammarVerifier();
        var request = Request(verifier, constrained: true);
        request.Validate();
        Assert.Same(verifier.AnswerGrammar, request.AnswerGrammar);
        Assert.Null(Request(verifier, constrained: false).AnswerGrammar);
    }

    [Fact]
    public void ConstrainedSamplingWithAVerifierWithoutGrammarIsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => Request(new PlainVerifier(), constrained: true).Validate());
        Assert.Contains("sampling.constrained", error.Message);
        Assert.Contains("'plain'", error.Message);
        Request(new PlainVerifier(), constrained: false).Validate();
    }
}
