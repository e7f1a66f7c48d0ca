using static TorchSharp.torch;

namespace Sdpo.Engine.Checkpoints;

/// <summary>One tensor's header record: dtype, shape and byte range within the data section.</summary>
public sealed record SafetensorsEntry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
