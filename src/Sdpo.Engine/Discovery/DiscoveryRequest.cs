using Sdpo.Contracts;

namespace Sdpo.Engine.Discovery;

/// <summary>One question to search: the prompt the model sees, the verifier that judges attempts, and how to search.</summary>
public sealed record DiscoveryRequest(
    Problem Problem,
    IVerifier Verifier,
    DiscoveryMethod Method = DiscoveryMethod.Sdpo,
    DiscoveryBudget? Budget = null,
    AttemptSampling? Sampling = null,
    SdpoOptions? Sdpo = null,
    long Seed = 0)
{
    public DiscoveryBudget EffectiveBudget => Budget ?? new DiscoveryBudget();
    public AttemptSampling EffectiveSampling => Sampling ?? new AttemptSampling();
    public SdpoOptions EffectiveSdpo => Sdpo ?? new SdpoOptions();

    /// <summary>The grammar attempts are sampled in: the verifier's, when sampling is constrained.</summary>
    public IAnswerGrammar? AnswerGrammar => EffectiveSampling.Constrained ? (Verifier as IGrammarVerifier)?.AnswerGrammar : null;

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
        EffectiveSdpo.Validate();
    }
}
