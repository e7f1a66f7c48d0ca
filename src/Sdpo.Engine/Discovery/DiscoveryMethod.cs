namespace Sdpo.Engine.Discovery;

/// <summary>How a run searches for a passing attempt.</summary>
public enum DiscoveryMethod
{
    /// <summary>Self-distillation on a per-question LoRA adapter from the verifier's feedback.</summary>
    Sdpo,
    /// <summary>Independent samples from the base model, no learning.</summary>
    BestOfK,
    /// <summary>In-context retries: earlier feedback joined into the prompt, G parallel chains.</summary>
    MultiTurn,
    /// <summary>G parallel chains, each attempt sampled from the self-teacher's context for the chain's previous
    /// attempt (SDPO's reprompt with that attempt's feedback, the one context the teacher is trained on); no learning.</summary>
    SelfTeacher,
}
