using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>
/// Rotary position embeddings in the Hugging Face <c>rotate_half</c> convention: dimension i pairs with
/// i + head_dim/2, rotated by position * theta^(-2i/head_dim). The angles are computed per call from the
/// position ids (as in HF), so no cos/sin tables live in the module tree or its state dict.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    public RotaryEmbedding(int headDim, double theta)
    {
        _inverseFrequencies = Enumerable.Range(0, headDim / 2)
            .Select(i => (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim)))
            .ToArray();
    }

    /// <summary>cos and sin for the given positions [B, T], shaped [B, 1, T, head_dim] to broadcast over heads.</summary>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inverseFrequencies = tensor(_inverseFrequencies, device: positionIds.device);
        var freqs = positionIds.to(ScalarType.Float32).unsqueeze(-1).mul(inverseFrequencies);
        var angles = cat([freqs, freqs], -1).unsqueeze(1);
        return scope.MoveToOuter(angles.cos().to(dtype), angles.sin().to(dtype));
    }

    /// <summary>Rotates queries or keys [B, heads, T, head_dim].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        return x.mul(cos).add_(RotateHalf(x).mul_(sin)).MoveToOuterDisposeScope();
    }

    private static Tensor RotateHalf(Tensor x)
    {
        var halves = x.chunk(2, -1);
        return cat([halves[1].neg(), halves[0]], -1);
    }
}
