namespace Sdpo.Engine.Discovery;

/// <summary>How attempts are sampled. Temperature 1 and top-p 1 sample the model's own distribution,
/// which SDPO's on-policy distillation assumes. <paramref name="Constrained"/> samples only well-formed answers,
/// under the grammar of the problem's verifier (<see cref="Sdpo.Contracts.IGrammarVerifier"/>; arithmetic
/// puzzles have one), for every method alike; the distillation still compares the model's unconstrained
/// distributions on those tokens.
/// <paramref name="DistinctAttempts"/> draws again, a few times at most, any sample whose answer already failed in the run
/// or repeats another sample of the same step, so that attempts go to answers not yet tried: sampling without
/// replacement of what is known to fail (<see cref="DiscoveryLoop"/>). Off by default: best-of-k's i.i.d. samples are
/// the baseline the paper measures against. <paramref name="DistinctEquivalence"/> (with DistinctAttempts) also draws again
/// a sample the verifier declares equivalent to an answer that failed or to another sample of the step
/// (<see cref="Sdpo.Contracts.IEquivalenceVerifier"/>; arithmetic: the same numbers and the same value).</summary>
public sealed record AttemptSampling(double Temperature = 1.0, double TopP = 1.0, int MaxNewTokens = 64, bool Constrained = false,
    bool DistinctAttempts = false, bool DistinctEquivalence = false)
{
    /// <summary>The largest temperature (above 0) and number of new tokens (at least 1) a request may ask for; the
    /// OpenAPI document states the same bounds.</summary>
    public const double MaxTemperature = 10;
    public const int MaxAllowedNewTokens = 4096;

    public void Validate()
    {
        if (!(Temperature > 0) || Temperature > MaxTemperature)
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, $"sampling.temperature must be in (0, {MaxTemperature}].");
        if (!(TopP > 0) || TopP > 1)
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "sampling.topP must be in (0, 1].");
        if (MaxNewTokens < 1 || MaxNewTokens > MaxAllowedNewTokens)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, $"sampling.maxNewTokens must be between 1 and {MaxAllowedNewTokens}.");
        if (DistinctEquivalence && !DistinctAttempts)
            throw new ArgumentOutOfRangeException(nameof(DistinctEquivalence), DistinctEquivalence, "sampling.distinctEquivalence refines sampling.distinctAttempts; set both.");
    }
}
