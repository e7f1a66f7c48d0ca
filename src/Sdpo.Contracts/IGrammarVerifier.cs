namespace Sdpo.Contracts;

/// <summary>A verifier that also knows what a well-formed answer looks like, so attempts can be sampled
/// inside that grammar (the request's <c>sampling.constrained</c>).</summary>
public interface IGrammarVerifier : IVerifier
{
    IAnswerGrammar AnswerGrammar { get; }
}
