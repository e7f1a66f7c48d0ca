using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// One LoRA training step as SDPO makes it: a forward pass with grad through the adapter on a batch of token
/// sequences, a next-token loss, backward, gradient clipping and an AdamW step on the adapter's parameters
/// (<see cref="AdapterAdamW"/>, the optimizer SDPO uses).
/// Owns the adapter and optimizer; the adapter stays attached to the model until disposed, so sampling with
/// the same model in between samples the student, as SDPO does.
/// </summary>
public sealed class LoraStepWorkload : IDisposable
{
    private readonly BenchModel _model;
    private readonly LoraAdapter _adapter;
    private readonly AdapterAttachment _attachment;
    private readonly AdapterAdamW _optimizer;
    private readonly Tensor _tokens;

    private LoraStepWorkload(BenchModel model, LoraAdapter adapter, AdapterAttachment attachment, AdapterAdamW optimizer, Tensor tokens)
    {
        _model = model;
        _adapter = adapter;
        _attachment = attachment;
        _optimizer = optimizer;
        _tokens = tokens;
    }

    public static Task<LoraStepWorkload> CreateAsync(BenchModel model, int batchSize, int sequenceTokens, long seed) =>
        model.Thread.RunAsync(() =>
        {
            var adapter = LoraAdapter.Create(model.Model, new LoraOptions(), seed);
            var attachment = adapter.Attach(model.Model);
            var optimizer = new AdapterAdamW(adapter, learningRate: 1e-4, weightDecay: 0.01);
            using var generator = new Generator((ulong)seed, CPU);
            // One token more than the sequence: inputs are [0, T), targets [1, T + 1).
            var tokens = randint(1, model.Model.Config.VocabSize, [batchSize, sequenceTokens + 1], ScalarType.Int64, generator: generator)
                .DetachFromDisposeScope();
            return new LoraStepWorkload(model, adapter, attachment, optimizer, tokens);
        });

    public long TrainableParameters => _adapter.Parameters.Sum(p => p.numel());

    /// <summary>One step; returns the loss.</summary>
    public Task<double> StepAsync() => _model.Thread.RunAsync(() =>
    {
        using var scope = NewDisposeScope();
        var length = _tokens.shape[1] - 1;
        var logits = _model.Model.Forward(_tokens.narrow(1, 0, length));
        var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), _tokens.narrow(1, 1, length).reshape(-1));
        _optimizer.ZeroGrad();
        loss.backward();
        _optimizer.ClipGradNorm(1.0);
        _optimizer.Step();
        return (double)loss.item<float>();
    });

    /// <summary>Runs <paramref name="work"/> with the adapter merged into weight copies, as SDPO samples (see
    /// <see cref="LoraAdapter.MergeForInference"/>).</summary>
    public async Task WithMergedAdapterAsync(Func<Task> work)
    {
        var merged = await _model.Thread.RunAsync(() => _adapter.MergeForInference());
        try
        {
            await work();
        }
        finally
        {
            await _model.Thread.RunAsync(() => merged?.Dispose());
        }
    }

    public void Dispose() => _model.Thread.RunAsync(() =>
    {
        _attachment.Dispose();
        _optimizer.Dispose();
        _adapter.Dispose();
        _tokens.Dispose();
    }).GetAwaiter().GetResult();
}
