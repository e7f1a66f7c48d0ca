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
