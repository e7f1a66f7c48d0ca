namespace Sdpo.Engine;

/// <summary>Base of every error the engine reports about its input (checkpoints, prompts, options).</summary>
public class EngineException : Exception
{
    public EngineException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A checkpoint folder that cannot be loaded: a missing file, an unsupported architecture or dtype,
/// a missing, unexpected or mis-shaped tensor. The message names the file or tensor.</summary>
public sealed class CheckpointException : EngineException
{
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A prompt (or prompt plus requested tokens) that does not fit the model's context.</summary>
public sealed class ContextLengthException : EngineException
{
    public ContextLengthException(int requested, int limit, string what = "prompt")
        : base($"The {what} needs {requested} tokens but the model's context holds {limit}.")
    {
        Requested = requested;
        Limit = limit;
    }

    public int Requested { get; }
    public int Limit { get; }
}

/// <summary>An answer to score within an answer grammar that the grammar cannot produce: renormalised over the tokens the
/// grammar allows, its probability is zero, so there is no log-probability to report.</summary>
public sealed class AnswerOutsideGrammarException : EngineException
{
    public AnswerOutsideGrammarException(string accepted, string? refusedToken)
        : base(refusedToken is null
            ? $"The answer is not complete in the verifier's grammar: a constrained sampler cannot end it after '{accepted}'."
            : $"The answer leaves the verifier's grammar: a constrained sampler cannot write '{refusedToken}' after '{accepted}'.")
    {
        Accepted = accepted;
        RefusedToken = refusedToken;
    }

    /// <summary>The answer's text up to the token the grammar refuses.</summary>
    public string Accepted { get; }

    /// <summary>The refused token's text; null where the refused token is the stop (the answer is incomplete).</summary>
    public string? RefusedToken { get; }
}
