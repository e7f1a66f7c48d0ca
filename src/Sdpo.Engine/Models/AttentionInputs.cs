using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>
/// What every layer of one forward pass shares: rotary angles for the new positions and the attention
/// pattern. <see cref="Mask"/> is a boolean [B, 1, T, past + T] (true = may attend) or null, in which case
/// <see cref="IsCausal"/> says whether the plain causal pattern applies (no padding, no past) or the new
/// token(s) may see everything (a single decoding step without padding).
/// </summary>
internal sealed record AttentionInputs(Tensor Cos, Tensor Sin, Tensor? Mask, bool IsCausal)
{
    /// <summary>With a cache whose rows share prompts: [1, B, 1, prompts × P + S] additive, 0 where a row may attend
    /// (its own prompt's real positions, then its own), −∞ elsewhere.</summary>
    public Tensor? SharedPromptBias { get; init; }

    /// <summary>The bias of a decoding step over <paramref name="shared"/> prompts, from the padding mask
    /// <paramref name="paddingMask"/> [B, P + S] (null: nothing padded).</summary>
    private static Tensor BiasOverSharedPrompts(SharedPrompts shared, int batchSize, int totalLength, Tensor? paddingMask, ScalarType dtype, Device device)
    {
        var mask = paddingMask ?? ones(batchSize, totalLength, dtype: ScalarType.Bool, device: device);
        var visible = cat([shared.Visible(mask.narrow(1, 0, shared.Length)), mask.narrow(1, shared.Length, totalLength - shared.Length).to(ScalarType.Bool)], 1);
        return zeros(visible.shape, dtype, device).masked_fill_(visible.logical_not(), double.NegativeInfinity).view(1, batchSize, 1, -1);
    }

    /// <param name="pastLength">positions already in the KV cache</param>
    /// <param name="newLength">T, the number of new positions</param>
    /// <param name="paddingMask">[B, past + T], 1 = real token, 0 = padding; null when nothing is padded</param>
    /// <param name="shared">the prompts a decoding step's rows share in the KV cache: the step then gets
    /// <see cref="SharedPromptBias"/> instead of <see cref="Mask"/></param>
    public static AttentionInputs Create(RotaryEmbedding rotary, int batchSize, int pastLength, int newLength,
        Tensor? paddingMask, ScalarType dtype, Device device, SharedPrompts? shared = null)
    {
        var totalLength = pastLength + newLength;
        Tensor positions;
        Tensor? mask = null;
        var isCausal = false;
        if (paddingMask is null)
        {
            positions = arange(pastLength, totalLength, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batchSize, newLength);
            if (pastLength == 0) isCausal = newLength > 1;
            else if (newLength > 1) mask = CausalPattern(pastLength, newLength, device).unsqueeze(0).unsqueeze(0);
        }
        else if (shared is not null)
        {
            positions = paddingMask.to(ScalarType.Int64).sum(-1, keepdim: true).sub_(1); // the one new token's
        }
        else
        {
            var real = paddingMask.to(ScalarType.Int64);
            // Left padding: each row counts positions from its first real token.
            positions = real.cumsum(-1).sub_(1).clamp_min_(0).narrow(1, pastLength, newLength);
            var keyIsReal = real.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
            var queryPositions = arange(pastLength, totalLength, device: device).unsqueeze(1);
            var keyPositions = arange(totalLength, device: device).unsqueeze(0);
            // Padding queries see only themselves, so no row of the softmax is empty (which would give NaN).
            var self = keyPositions.eq(queryPositions);
            mask = CausalPattern(pastLength, newLength, device).logical_and(keyIsReal).logical_or(self);
        }
        var (cos, sin) = rotary.Angles(positions, dtype);
        return new AttentionInputs(cos, sin, mask, isCausal)
        {
            SharedPromptBias = shared is null ? null : BiasOverSharedPrompts(shared, batchSize, totalLength, paddingMask, dtype, device),
        };
    }

    /// <summary>[T, past + T]: query i (at absolute position past + i) may see keys 0..past + i.</summary>
    private static Tensor CausalPattern(int pastLength, int newLength, Device device)
    {
        var queryPositions = arange(pastLength, pastLength + newLength, device: device).unsqueeze(1);
        var keyPositions = arange(pastLength + newLength, device: device).unsqueeze(0);
        return keyPositions.le(queryPositions);
    }
}
