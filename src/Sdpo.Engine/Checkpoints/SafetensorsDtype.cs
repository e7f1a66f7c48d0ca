using static TorchSharp.torch;

namespace Sdpo.Engine.Checkpoints;

/// <summary>The safetensors dtype codes this runtime reads and writes, and their torch equivalents.</summary>
public static class SafetensorsDtype
{
    private static readonly Dictionary<string, ScalarType> ByCode = new()
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    public static ScalarType? ToScalarType(string code) => ByCode.TryGetValue(code, out var type) ? type : null;

    public static string ToCode(ScalarType type) =>
        ByCode.FirstOrDefault(pair => pair.Value == type).Key
        ?? throw new ArgumentException($"Tensors of dtype {type} cannot be stored in safetensors here.", nameof(type));

    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentException($"Unsupported dtype {type}.", nameof(type)),
    };

    public static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;
}
