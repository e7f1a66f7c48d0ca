using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Models;

internal static class Tensors
{
    /// <summary>Same shape, dtype-independent and every element exactly equal.</summary>
    public static bool Identical(Tensor expected, Tensor actual) =>
        expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();
}
