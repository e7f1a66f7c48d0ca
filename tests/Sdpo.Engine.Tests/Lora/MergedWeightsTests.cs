using Sdpo.Engine.Lora;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

public class MergedWeightsTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void MergedNoGradPassMatchesTheBranchLeavesTheBaseWeightsAndDisposeRestoresIt(ScalarType dtype)
    {
        using var model = new TinyAdaptableModel(dtype: dtype);
        using var input = model.Input();
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var adapter = LoraAdapter.Create(model, seed: 1);
        LoraAdapterTests.Randomize(adapter, 5);
        using var attachment = adapter.Attach(model);
        using var noGrad = no_grad();
        using var branch = model.forward(input);

        using (var merged = adapter.MergeForInference())
        {
            Assert.NotNull(merged);
            using var viaMerged = model.forward(input);
            Assert.Equal(dtype, viaMerged.dtype);
            // Float rounding only: W + s·B·A sums in another order than W·x + s·B·(A·x). bfloat16 keeps 8 bits of
            // mantissa; its merged weight is rounded once, the branch's sum once more.
            var tolerance = dtype == ScalarType.BFloat16 ? 5e-2 : 1e-5;
            var gap = (viaMerged - branch).abs().max().to(ScalarType.Float32).item<float>();
            var scale = branch.abs().max().to(ScalarType.Float32).item<float>();
            Assert.True(gap <= tolerance * scale, $"merged and branch outputs differ by {gap} at scale {scale}");
            // Not bit-equal: proves the merged path actually ran.
            Assert.False(Bits.Same(viaMerged, branch));
        }

        using var afterwards = model.forward(input);
        Assert.True(Bits.Same(afterwards, branch));
        Assert.All(model.parameters().Zip(before), pair => Assert.True(Bits.Same(pair.First, pair.Second)));
        before.ForEach(t => t.Dispose());
    }

    [Fact]
    public void PassesWithGradIgnoreTheMergeSoTheAdapterStillLearns()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        using var adapter = LoraAdapter.Create(model, seed: 2);
        LoraAdapterTests.Randomize(adapter, 6);
        using var attachment = adapter.Attach(model);
        using var merged = adapter.MergeForInference();

        using var scope = NewDisposeScope();
        model.forward(input).square().mean().backward();
        Assert.All(adapter.Parameters, p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void DetachingDiscardsTheMergeAndOversizedOrUnattachedMergesAreRefused()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        Tensor plain;
        using (no_grad()) plain = model.forward(input);
        using var adapter = LoraAdapter.Create(model, seed: 3);
        LoraAdapterTests.Randomize(adapter, 7);

        Assert.Throws<AdapterException>(() => adapter.MergeForInference());
        var attachment = adapter.Attach(model);
        Assert.Null(adapter.MergeForInference(maxBytes: 16));
        var merged = adapter.MergeForInference();
        Assert.NotNull(merged);
        Assert.Throws<AdapterException>(() => adapter.MergeForInference());

        attachment.Dispose();
        using (no_grad())
        {
            using var detached = model.forward(input);
            Assert.True(Bits.Same(detached, plain), "a detached adapter's merged weights must not linger in the base model");
        }
        merged!.Dispose(); // a second dispose after the detach is harmless
        plain.Dispose();
    }
}
