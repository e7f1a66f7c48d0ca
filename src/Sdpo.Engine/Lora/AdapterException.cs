namespace Sdpo.Engine.Lora;

/// <summary>A LoRA adapter that cannot be created, attached, combined or loaded. The message names the
/// layer, tensor, file or config field at fault.</summary>
public sealed class AdapterException : EngineException
{
    public AdapterException(string message, Exception? inner = null) : base(message, inner) { }
}
