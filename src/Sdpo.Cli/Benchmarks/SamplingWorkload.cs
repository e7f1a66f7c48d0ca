using Sdpo.Engine.Generation;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// Samples a batch of continuations of fixed random prompts with no stop tokens, so every row runs the full
/// length: tokens per second is batch × new tokens over the wall time.
/// </summary>
public sealed class SamplingWorkload
{
    private readonly BenchModel _model;
    private readonly TextGenerator _generator;
    private readonly IReadOnlyList<IReadOnlyList<int>> _prompts;
    private long _seed;

    public SamplingWorkload(BenchModel model, int batchSize, int promptTokens, long seed)
    {
        _model = model;
        _generator = new TextGenerator(model.Model);
        var random = new Random((int)seed);
        var vocab = model.Model.Config.VocabSize;
        _prompts = Enumerable.Range(0, batchSize)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, promptTokens).Select(_ => random.Next(1, vocab)).ToArray())
            .ToArray();
        _seed = seed;
    }

    public int BatchSize => _prompts.Count;

    /// <summary>Samples <paramref name="newTokens"/> tokens per row; returns how many tokens came out in all.</summary>
    public Task<int> RunAsync(int newTokens, bool useKvCache)
    {
        var options = new SamplingOptions { MaxNewTokens = newTokens, UseKvCache = useKvCache, Seed = Interlocked.Increment(ref _seed) };
        return _model.Thread.RunAsync(() => _generator.Generate(_prompts, options).Sum(sequence => sequence.TokenIds.Count));
    }
}
