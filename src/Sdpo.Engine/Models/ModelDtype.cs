using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>The floating-point dtypes a model can run in, with their Hugging Face <c>torch_dtype</c> names.</summary>
public static class ModelDtype
{
    public static bool IsSupported(ScalarType dtype) =>
        dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    /// <summary>Parses "float32", "bfloat16", "float16" (also "fp32", "bf16", "fp16", "half", "float").</summary>
    public static ScalarType Parse(string name) => TryParse(name) ??
        throw new ArgumentException($"Unsupported model dtype '{name}': use float32, bfloat16 or float16.", nameof(name));

    public static ScalarType? TryParse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" or "torch.float32" => ScalarType.Float32,
        "bfloat16" or "bf16" or "torch.bfloat16" => ScalarType.BFloat16,
        "float16" or "fp16" or "half" or "torch.float16" => ScalarType.Float16,
        _ => null,
    };

    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"Unsupported model dtype {dtype}: use Float32, BFloat16 or Float16.", nameof(dtype)),
    };

    internal static void Require(ScalarType dtype)
    {
        if (!IsSupported(dtype)) Name(dtype);
    }
}
