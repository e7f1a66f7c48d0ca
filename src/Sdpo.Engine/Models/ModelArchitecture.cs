namespace Sdpo.Engine.Models;

/// <summary>The Hugging Face decoder families this runtime implements. They share one module tree and differ
/// only in which projections carry a bias and whether queries and keys are RMS-normalised per head.</summary>
public enum ModelArchitecture
{
    /// <summary><c>LlamaForCausalLM</c>: optional bias on every attention projection (<c>attention_bias</c>).</summary>
    Llama,

    /// <summary><c>Qwen2ForCausalLM</c>: q/k/v projections always carry a bias, o_proj never does.</summary>
    Qwen2,

    /// <summary><c>Qwen3ForCausalLM</c>: RMSNorm over head_dim on queries and keys (q_norm, k_norm).</summary>
    Qwen3,
}

internal static class ModelArchitectureNames
{
    public static string ClassName(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "LlamaForCausalLM",
        ModelArchitecture.Qwen2 => "Qwen2ForCausalLM",
        ModelArchitecture.Qwen3 => "Qwen3ForCausalLM",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    public static string ModelType(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "llama",
        ModelArchitecture.Qwen2 => "qwen2",
        ModelArchitecture.Qwen3 => "qwen3",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    public static ModelArchitecture? FromClassName(string? className) => className switch
    {
        "LlamaForCausalLM" => ModelArchitecture.Llama,
        "Qwen2ForCausalLM" => ModelArchitecture.Qwen2,
        "Qwen3ForCausalLM" => ModelArchitecture.Qwen3,
        _ => null,
    };
}
