using BenchmarkDotNet.Attributes;
using Sdpo.Engine.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Benchmarks;

/// <summary>
/// What a rank-8 LoRA branch adds to one linear layer's forward and backward pass in an update (80 positions, as a
/// question plus a 64-token attempt), against the plain layer: every adapted layer of the model pays it once per update.
/// The shapes are stories260k's attention and MLP projections and the embedded model's.
/// </summary>
public class AdaptedLayerBenchmarks
{
    private const int Positions = 80;
    private const int Rank = 8;
    private AdaptableLinear _layer = null!;
    private LoraPair _lora = null!;
    private Tensor _input = null!;

    /// <summary>in_features x out_features.</summary>
    [Params("64x64", "64x172", "256x256", "256x768")]
    public string Shape { get; set; } = "64x64";

    [Params(false, true)]
    public bool Adapted { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        var sizes = Shape.Split('x').Select(long.Parse).ToArray();
        _layer = new AdaptableLinear(sizes[0], sizes[1], hasBias: false);
        using (no_grad()) _layer.Weight.normal_(0, 0.02);
        _lora = new LoraPair(new Parameter(randn(Rank, sizes[0]).mul_(0.02)), new Parameter(randn(sizes[1], Rank).mul_(0.02)), scaling: 2.0);
        _layer.Lora = Adapted ? _lora : null;
        _input = randn(1, Positions, sizes[0]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _lora.A.Dispose();
        _lora.B.Dispose();
        _layer.Dispose();
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        // The input carries gradient, as a hidden state does: backward computes the layer's input gradient too.
        var input = _input.detach().requires_grad_();
        _layer.call(input).sum().backward();
        _lora.A.grad?.zero_();
        _lora.B.grad?.zero_();
    }
}
