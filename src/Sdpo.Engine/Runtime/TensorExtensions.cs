using static TorchSharp.torch;

namespace Sdpo.Engine.Runtime;

public static class TensorExtensions
{
    /// <summary>A one-element tensor of any floating or integer dtype as a double.</summary>
    public static double ToScalarDouble(this Tensor tensor) => tensor.to_type(ScalarType.Float64).item<double>();
}
