using Sdpo.Engine.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

/// <summary>The flat AdamW takes TorchSharp's AdamW steps bit for bit, clipped or not, and shares its file format.</summary>
public sealed class AdapterAdamWTests : IDisposable
{
    private const double LearningRate = 1e-2;
    private const double WeightDecay = 0.01;
    private readonly string _file = Path.Combine(Path.GetTempPath(), "sdpo-adamw-" + Guid.NewGuid().ToString("N") + ".bin");
    private readonly TinyAdaptableModel _model = new();
    private readonly Tensor _input;

    public AdapterAdamWTests() => _input = _model.Input();

    public void Dispose()
    {
        _input.Dispose();
        _model.Dispose();
        File.Delete(_file);
    }

    // As SdpoPolicy made it before AdapterAdamW: TorchSharp's factory with its default betas.
    private static AdamW TorchSharpAdamW(LoraAdapter adapter) => optim.AdamW(adapter.Parameters, lr: LearningRate, weight_decay: WeightDecay);

    private static AdapterAdamW FlatAdamW(LoraAdapter adapter) => new(adapter, LearningRate, WeightDecay);

    [Theory]
    [InlineData(null)]
    [InlineData(1e-3)] // clips every step
    public void StepsAreTorchSharpsAdamWsBitForBit(double? maxNorm)
    {
        using var flat = LoraAdapter.Create(_model, seed: 5);
        using var reference = LoraAdapter.Create(_model, seed: 5);
        using var flatOptimizer = FlatAdamW(flat);
        using var referenceOptimizer = TorchSharpAdamW(reference);

        for (var step = 0; step < 4; step++)
        {
            Backward(flat, flatOptimizer.ZeroGrad);
            Backward(reference, referenceOptimizer.zero_grad);
            if (maxNorm is { } limit)
            {
                var norm = flatOptimizer.ClipGradNorm(limit);
                Assert.True(norm > 10 * limit, $"the test should clip (norm {norm})");
                Assert.Equal(nn.utils.clip_grad_norm_(reference.Parameters, limit), norm);
            }
            flatOptimizer.Step();
            referenceOptimizer.step();
        }

        Assert.Equal(4, flatOptimizer.Steps);
        Assert.All(flat.Parameters.Zip(reference.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
        using var initial = LoraAdapter.Create(_model, seed: 5);
        Assert.All(flat.Parameters.Zip(initial.Parameters), p => Assert.False(Bits.Same(p.First, p.Second)));
    }

    [Fact]
    public void GradientsBelowTheLimitAreNotScaled()
    {
        using var flat = LoraAdapter.Create(_model, seed: 6);
        using var flatOptimizer = FlatAdamW(flat);
        Backward(flat, flatOptimizer.ZeroGrad);
        var before = flat.Parameters.Select(p => p.grad!.clone()).ToList();
        flatOptimizer.ClipGradNorm(1e6);
        Assert.All(flat.Parameters.Zip(before), p => Assert.True(Bits.Same(p.First.grad!, p.Second)));
    }

    [Fact]
    public void ItsStateFileIsTorchSharpsAdamWsBothWays()
    {
        // Saved here, loaded by TorchSharp's AdamW: the next steps agree bit for bit.
        using var flat = LoraAdapter.Create(_model, seed: 7);
        using var flatOptimizer = FlatAdamW(flat);
        for (var step = 0; step < 3; step++) TakeStep(flat, flatOptimizer);
        flatOptimizer.Save(_file);
        using var reference = flat.Clone();
        using var referenceOptimizer = TorchSharpAdamW(reference);
        referenceOptimizer.load_state_dict(_file);
        TakeStep(flat, flatOptimizer);
        Backward(reference, referenceOptimizer.zero_grad);
        referenceOptimizer.step();
        Assert.All(flat.Parameters.Zip(reference.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));

        // Saved by TorchSharp's AdamW (as run states were before), loaded here: likewise, step count included.
        referenceOptimizer.save_state_dict(_file);
        using var resumed = reference.Clone();
        using var resumedOptimizer = FlatAdamW(resumed);
        resumedOptimizer.Load(_file);
        Assert.Equal(4, resumedOptimizer.Steps);
        using var restarted = reference.Clone();
        using var restartedOptimizer = FlatAdamW(restarted);
        TakeStep(resumed, resumedOptimizer);
        TakeStep(restarted, restartedOptimizer);
        Backward(reference, referenceOptimizer.zero_grad);
        referenceOptimizer.step();
        Assert.All(resumed.Parameters.Zip(reference.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
        // Control: a fresh optimizer (no moments, step 0) steps elsewhere.
        Assert.Contains(restarted.Parameters.Zip(reference.Parameters), p => !Bits.Same(p.First, p.Second));
    }

    private void TakeStep(LoraAdapter adapter, AdapterAdamW optimizer)
    {
        Backward(adapter, optimizer.ZeroGrad);
        optimizer.Step();
    }

    /// <summary>A nonlinear loss, so that the moments and every later step depend on the weights.</summary>
    private void Backward(LoraAdapter adapter, Action zeroGrad)
    {
        using var scope = NewDisposeScope();
        using var attachment = adapter.Attach(_model);
        zeroGrad();
        _model.forward(_input).sin().square().mean().backward();
    }
}
