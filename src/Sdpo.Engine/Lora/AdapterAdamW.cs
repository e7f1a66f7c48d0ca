using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// AdamW (decoupled weight decay) and gradient-norm clipping for one <see cref="LoraAdapter"/>, over its parameters as
/// one flat tensor (<see cref="LoraAdapter.Values"/>). Each parameter's gradient is a view of one flat gradient buffer,
/// which backward accumulates into, so zeroing the gradients and the update take about a dozen tensor operations in all
/// where TorchSharp's <c>AdamW</c> takes about a dozen per parameter: on a small model with dozens of adapted layers
/// that was about a tenth of an SDPO update. The update is TorchSharp's AdamW's, operation for operation, so every step
/// is bit-identical to it.
/// The moments are kept as the state of a TorchSharp AdamW over the same parameters (its state tensors view the flat
/// moments), whose file format <see cref="Save"/> writes and <see cref="Load"/> reads: states saved with that optimizer
/// load here and the other way round. Not thread-safe: it belongs to its device's torch thread, like the adapter.
/// </summary>
public sealed class AdapterAdamW : IDisposable
{
    /// <summary>PyTorch's and TorchSharp's default, which SDPO has used from the start.</summary>
    public const double DefaultBeta2 = 0.999;

    private readonly LoraAdapter _adapter;
    private readonly AdamW _state;
    private readonly IReadOnlyList<AdamW.State> _parameterStates;
    // The live options of the state's one parameter group: loading a saved state overwrites them.
    private readonly AdamW.Options _hyperparameters;
    private readonly Tensor _gradients;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;
    private bool _disposed;

    public AdapterAdamW(LoraAdapter adapter, double learningRate, double weightDecay, double beta1 = 0.9, double beta2 = DefaultBeta2, double eps = 1e-8)
    {
        _adapter = adapter;
        // Validates the hyperparameters, and holds the moments for saving and loading.
        _state = optim.AdamW(adapter.Parameters, lr: learningRate, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay);
        var stateDictionary = _state.state_dict();
        _parameterStates = stateDictionary.State.Cast<AdamW.State>().ToList();
        _hyperparameters = (AdamW.Options)stateDictionary.Options.Single();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _gradients = zeros_like(adapter.Values).DetachFromDisposeScope();
        _expAvg = zeros_like(adapter.Values).DetachFromDisposeScope();
        _expAvgSq = zeros_like(adapter.Values).DetachFromDisposeScope();
        long offset = 0;
        for (var i = 0; i < adapter.Parameters.Count; i++)
        {
            var parameter = adapter.Parameters[i];
            var state = _parameterStates[i];
            var size = parameter.numel();
            parameter.grad = Slice(_gradients, offset, parameter);
            state.exp_avg.Dispose();
            state.exp_avg = Slice(_expAvg, offset, parameter).DetachFromDisposeScope();
            state.exp_avg_sq.Dispose();
            state.exp_avg_sq = Slice(_expAvgSq, offset, parameter).DetachFromDisposeScope();
            offset += size;
        }
    }

    /// <summary>Optimizer steps taken (AdamW's bias corrections depend on it).</summary>
    public long Steps { get; private set; }

    /// <summary>Sets every gradient to zero, in place: backward then accumulates into the flat buffer.</summary>
    public void ZeroGrad()
    {
        ThrowIfDisposed();
        _gradients.zero_();
    }

    /// <summary>Scales the gradients down so that their joint 2-norm is at most <paramref name="maxNorm"/> and returns
    /// the norm before clipping: TorchSharp's <c>clip_grad_norm_</c> (one native call), whose per-parameter norms a
    /// flat norm would round differently, so that runs stay the same bit for bit.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        ThrowIfDisposed();
        return nn.utils.clip_grad_norm_(_adapter.Parameters, maxNorm);
    }

    /// <summary>One AdamW step with the current gradients.</summary>
    public void Step()
    {
        ThrowIfDisposed();
        var options = _hyperparameters;
        double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
        Steps++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var values = _adapter.Values;
        values.mul_(1 - lr * options.weight_decay!.Value);
        var biasCorrection1 = 1 - Math.Pow(beta1, Steps);
        var biasCorrection2 = 1 - Math.Pow(beta2, Steps);
        _expAvg.mul_(beta1).add_(_gradients, alpha: 1 - beta1);
        _expAvgSq.mul_(beta2).addcmul_(_gradients, _gradients, value: 1 - beta2);
        var denominator = (_expAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(options.eps!.Value);
        values.addcdiv_(_expAvg, denominator, value: -lr / biasCorrection1);
    }

    /// <summary>Writes the moments, step count and hyperparameters in TorchSharp's optimizer state format.</summary>
    public void Save(string path)
    {
        ThrowIfDisposed();
        foreach (var state in _parameterStates) state.step = Steps; // the file keeps a count per parameter
        _state.save_state_dict(path);
    }

    /// <summary>Reads a state written by <see cref="Save"/> (or by TorchSharp's AdamW over the same parameters),
    /// hyperparameters included. Throws when it holds another optimizer or another layout of parameters.</summary>
    public void Load(string path)
    {
        ThrowIfDisposed();
        _state.load_state_dict(path);
        var steps = _parameterStates.Select(state => state.step).Distinct().ToList();
        if (steps.Count != 1)
            throw new AdapterException($"Optimizer state {path} has parameters at different step counts ({string.Join(", ", steps)}); this optimizer steps them together.");
        Steps = steps[0];
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _state.Dispose(); // disposes the state's views of the moments
        _expAvgSq.Dispose();
        _expAvg.Dispose();
        _gradients.Dispose();
    }

    private static Tensor Slice(Tensor flat, long offset, Tensor like) => flat.narrow(0, offset, like.numel()).view(like.shape);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
