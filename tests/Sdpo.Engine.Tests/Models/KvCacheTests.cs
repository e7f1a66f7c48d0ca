using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Models;
using Sdpo.TestSupport;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Models;

/// <summary>Decoding through the KV cache must give the logits of full recomputation.</summary>
public class KvCacheTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> RandomModels => new() { "qwen3", "qwen2" };

    private static CausalLM Model(string kind) => kind switch
    {
        "qwen3" => TinyModels.Random(TinyModels.Qwen3Config()),
        "qwen2" => TinyModels.Random(TinyModels.Qwen2Config()),
        "stories260k" => CheckpointLoader.Load(TinyModels.Stories260kFolder),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void IncrementalDecodingEqualsFullRecomputation(string kind) => CheckIncremental(kind);

    [SharedDataFact(TinyModels.Stories260k)]
    public void IncrementalDecodingEqualsFullRecomputationOnStories260k() => CheckIncremental("stories260k");

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void LeftPaddedBatchEqualsEachPromptAlone(string kind) => CheckLeftPadded(kind);

    [SharedDataFact(TinyModels.Stories260k)]
    public void LeftPaddedBatchEqualsEachPromptAloneOnStories260k() => CheckLeftPadded("stories260k");

    [Fact]
    public void TooLongSequenceForTheCacheIsRejected()
    {
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var cache = model.CreateCache(1, 4);
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ContextLengthException>(() => model.Forward(Ids([1, 2, 3, 4, 5]), cache));
        Assert.Equal(4, error.Limit);
        Assert.Equal(0, cache.Length);
    }

    [Fact]
    public void RotaryTablesAreNotStateDictEntries()
    {
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        var names = model.state_dict().Keys.ToList();
        Assert.Empty(model.named_buffers());
        Assert.Contains("model.layers.1.self_attn.k_norm.weight", names);
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.All(names, name => Assert.True(name.EndsWith(".weight") || name.EndsWith(".bias"), name));
    }

    private static void CheckIncremental(string kind)
    {
        using var model = Model(kind);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = TinyModels.RandomIds(12, model.Config.VocabSize, seed: 3);
        var full = model.Forward(Ids(tokens));

        using var cache = model.CreateCache(1, tokens.Length);
        var pieces = new List<Tensor> { model.Forward(Ids(tokens[..5]), cache) };
        for (var t = 5; t < 10; t++) pieces.Add(model.Forward(Ids(tokens[t..(t + 1)]), cache));
        pieces.Add(model.Forward(Ids(tokens[10..]), cache)); // a multi-token chunk after a past

        Assert.Equal(tokens.Length, cache.Length);
        AssertClose(full, cat(pieces, 1));
    }

    private static void CheckLeftPadded(string kind)
    {
        using var model = Model(kind);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int[][] prompts = [TinyModels.RandomIds(7, model.Config.VocabSize, 1), TinyModels.RandomIds(3, model.Config.VocabSize, 2)];
        int[] continuation = [5, 6, 7];
        var width = prompts.Max(p => p.Length);
        var padded = prompts.Select(p => Enumerable.Repeat(0, width - p.Length).Concat(p).ToArray()).ToArray();
        var mask = prompts.Select(p => Enumerable.Repeat(0, width - p.Length).Concat(Enumerable.Repeat(1, p.Length)).ToArray()).ToArray();

        // Prompt pass plus three single-token steps through the cache, with the padding mask growing.
        using var cache = model.CreateCache(2, width + continuation.Length);
        var batchLogits = new List<Tensor> { model.Forward(Ids(padded), cache, Ids(mask)) };
        for (var step = 0; step < continuation.Length; step++)
        {
            var grownMask = mask.Select(row => row.Concat(Enumerable.Repeat(1, step + 1)).ToArray()).ToArray();
            batchLogits.Add(model.Forward(Ids([[continuation[step]], [continuation[step]]]), cache, Ids(grownMask)));
        }
        var batched = cat(batchLogits, 1);

        // Full recomputation of the padded batch without a cache gives the same.
        var fullMask = mask.Select(row => row.Concat(Enumerable.Repeat(1, continuation.Length)).ToArray()).ToArray();
        var fullIds = padded.Select(row => row.Concat(continuation).ToArray()).ToArray();
        AssertClose(model.Forward(Ids(fullIds), attentionMask: Ids(fullMask)), batched);

        // Each row's real positions equal that prompt run alone, unpadded.
        for (var row = 0; row < prompts.Length; row++)
        {
            var alone = model.Forward(Ids(prompts[row].Concat(continuation).ToArray()));
            var padding = width - prompts[row].Length;
            AssertClose(alone[0], batched[row].narrow(0, padding, alone.shape[1]));
        }
    }

    internal static Tensor Ids(int[] ids) => tensor(ids.Select(id => (long)id).ToArray(), [1, ids.Length]);

    internal static Tensor Ids(int[][] rows) =>
        tensor(rows.SelectMany(row => row).Select(id => (long)id).ToArray(), [rows.Length, rows[0].Length]);

    /// <summary>Within <paramref name="tolerance"/> of the largest |expected| (or absolutely, below 1): the same
    /// sums taken in another order differ by rounding that grows with the values' size.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = Math.Max(1.0, expected.to(ScalarType.Float32).abs().max().item<float>());
        var worst = (expected.to(ScalarType.Float32) - actual.to(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(worst <= tolerance * scale, $"max |difference| {worst} exceeds {tolerance} × {scale}");
    }
}
