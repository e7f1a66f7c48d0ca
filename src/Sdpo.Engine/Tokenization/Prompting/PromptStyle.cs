namespace Sdpo.Engine.Tokenization.Prompting;

/// <summary>How a user prompt becomes the text a model continues.</summary>
public enum PromptStyle
{
    /// <summary>The prompt itself: base models (Llama, stories260k, our own pretrained models).</summary>
    Plain,

    /// <summary>One ChatML user turn followed by the assistant header (Qwen chat models).</summary>
    ChatML,
}
