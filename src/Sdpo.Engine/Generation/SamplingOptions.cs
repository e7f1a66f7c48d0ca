using Sdpo.Contracts;

namespace Sdpo.Engine.Generation;

/// <summary>How to sample a continuation. The defaults sample from the model's plain distribution.</summary>
public sealed record SamplingOptions
{
    /// <summary>Divides the logits before sampling; 0 means greedy (argmax, first index on ties).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: keep the smallest set of most likely tokens whose mass reaches TopP (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Ids that end a sequence; the stop token itself is not returned.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Texts that end a sequence, checked on the decoded text (needs a decoder); the returned text is
    /// cut just before the stop string, the returned ids keep the token that completed it.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Seeds the sampler: the same seed, prompts and options give the same samples. Null: a random seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Restricts every row to the answers of a grammar (constrained decoding, needs a decoder): tokens
    /// that would leave the grammar get probability zero before temperature, top-k and top-p, and a stop token is
    /// allowed only once the text is a complete answer. The returned log-probs are then those of the constrained
    /// distribution that was actually sampled. Null: unconstrained.</summary>
    public IAnswerGrammar? Grammar { get; init; }

    /// <summary>Reuse keys and values through a KV cache (true) or recompute the whole sequence every step.</summary>
    public bool UseKvCache { get; init; } = true;

    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or positive.");
        if (double.IsNaN(TopP) || TopP <= 0 || TopP > 1)
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must lie in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (off) or positive.");
        if (MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must not be negative.");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("Stop strings must not be empty.", nameof(StopStrings));
    }
}
