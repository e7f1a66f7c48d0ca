using Sdpo.Contracts;

namespace Sdpo.Engine.Discovery;

/// <summary>One question to search: the prompt the model sees, the verifier that judges attempts, and how to search.
/// <see cref="ReuseVerdicts"/> (on): an answer text is verified once per run and its later copies repeat that verdict
/// (every attempt still counts); turn it off for a verifier whose verdict on the same text can change.</summary>
public sealed record DiscoveryRequest(
    Problem Problem,
    IVerifier Verifier,
    DiscoveryMethod Method = DiscoveryMethod.Sdpo,
    DiscoveryBudget? Budget = null,
    AttemptSampling? Sampling = null,
    SdpoOptions? Sdpo = null,
    long Seed = 0,
    bool ReuseVerdicts = true)
{
    public DiscoveryBudget EffectiveBudget => Budget ?? new DiscoveryBudget();
    public AttemptSampling EffectiveSampling => Sampling ?? new AttemptSampling();
    public SdpoOptions EffectiveSdpo => Sdpo ?? new SdpoOptions();

    /// <summary>The grammar attempts are sampled in: the verifier's, when sampling is constrained.</summary>
    public IAnswerGrammar? AnswerGrammar => EffectiveSampling.Constrained ? (Verifier as IGrammarVerifier)?.AnswerGrammar : null;

    /// <summary>The verifier's equivalence key of an answer when sampling asks for
    /// <see cref="AttemptSampling.DistinctEquivalence"/>; otherwise, and for an answer without one, null.</summary>
    public string? EquivalenceKey(string text) =>
        EffectiveSampling.DistinctEquivalence && Verifier is IEquivalenceVerifier equivalence ? equivalence.EquivalenceKey(text) : null;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Problem.Prompt)) throw new ArgumentException("problem.prompt must not be empty.", nameof(Problem));
        EffectiveBudget.Validate();
        EffectiveSampling.Validate();
        if (EffectiveSampling.Constrained && Verifier is not IGrammarVerifier)
            throw new ArgumentException(
                $"sampling.constrained needs a verifier that defines well-formed answers (arithmetic does); this problem's '{Verifier.Kind}' verifier does not.",
                nameof(Sampling));
        if (EffectiveSampling.DistinctEquivalence && Verifier is not IEquivalenceVerifier)
            throw new ArgumentException(
                $"sampling.distinctEquivalence needs a verifier that can tell equivalent answers apart before verifying (arithmetic can); this problem's '{Verifier.Kind}' verifier cannot.",
                nameof(Sampling));
        EffectiveSdpo.Validate();
    }
}
