using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

internal static class Bits
{
    /// <summary>Same dtype, shape and bytes: equality that also tells -0 from 0 and compares NaNs.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var left = a.detach().cpu().contiguous();
        using var right = b.detach().cpu().contiguous();
        return left.bytes.SequenceEqual(right.bytes);
    }
}
