namespace Sdpo.Engine.Generation;

public enum FinishReason
{
    /// <summary>The model emitted one of the stop token ids.</summary>
    StopToken,

    /// <summary>The decoded text reached one of the stop strings.</summary>
    StopString,

    /// <summary>MaxNewTokens were generated, or the model's context is full.</summary>
    Length,
}
