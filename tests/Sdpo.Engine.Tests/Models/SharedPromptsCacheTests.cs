using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Models;
using Sdpo.TestSupport;
using static Sdpo.Engine.Tests.Models.KvCacheTests;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Models;

/// <summary>Rows that read their prompt's keys and values from one shared copy must decode as rows with copies of
/// their own do.</summary>
public class SharedPromptsCacheTests
{
    public static TheoryData<string> RandomModels => new() { "qwen3", "qwen2" };

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void DecodingFromSharedPromptsEqualsDecodingFromCopiedRows(string kind)
    {
        using var model = kind == "qwen3" ? TinyModels.Random(TinyModels.Qwen3Config()) : TinyModels.Random(TinyModels.Qwen2Config());
        CheckSharedAgainstCopied(model);
    }

    [Fact]
    public void DecodingFromSharedPromptsEqualsDecodingFromCopiedRowsInBfloat16()
    {
        // bfloat16 keeps about 3 significant digits, and the shared path takes its softmax in float32.
        using var model = TinyModels.Random(TinyModels.Qwen3Config(), dtype: ScalarType.BFloat16);
        CheckSharedAgainstCopied(model, tolerance: 3e-2);
    }

    [SharedDataFact(TinyModels.Stories260k)]
    public void DecodingFromSharedPromptsEqualsDecodingFromCopiedRowsOnStories260k()
    {
        using var model = CheckpointLoader.Load(TinyModels.Stories260kFolder);
        CheckSharedAgainstCopied(model);
    }

    [Fact]
    public void SharedPromptsTakeOneTokenPerRowAtATimeAndAreNeitherRepeatedNorCopied()
    {
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var empty = model.CreateCache(1, 16);
        Assert.Throws<InvalidOperationException>(() => empty.ShareRows([0, 0]));

        using var cache = model.CreateCache(1, 16);
        model.Forward(Ids([1, 17, 42, 5]), cache);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.ShareRows([0, 1]));
        cache.ShareRows([0, 0, 0]);

        Assert.Equal(3, cache.BatchSize);
        Assert.Equal(4, cache.Length);
        Assert.Throws<ArgumentException>(() => model.Forward(Ids([[5, 6], [5, 6], [5, 6]]), cache));
        Assert.Throws<InvalidOperationException>(() => cache.ShareRows([0]));
        Assert.Throws<InvalidOperationException>(() => cache.RepeatRow(2));
        Assert.Throws<InvalidOperationException>(() => cache.Reset());
        using var target = model.CreateCache(1, 16);
        Assert.Throws<ArgumentException>(() => target.CopyPrefix(cache, 2));
        Assert.Equal(4, cache.Length);
    }

    /// <summary>Two prompts of different lengths, left-padded, given to five rows; four decoding steps with a different
    /// token per row, and a row dropped halfway, once through copied rows and once through shared prompts.</summary>
    private static void CheckSharedAgainstCopied(CausalLM model, double tolerance = 1e-5)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var vocab = model.Config.VocabSize;
        int[][] prompts = [TinyModels.RandomIds(9, vocab, 1), TinyModels.RandomIds(5, vocab, 2)];
        var width = prompts.Max(p => p.Length);
        var padded = prompts.Select(p => Enumerable.Repeat(0, width - p.Length).Concat(p).ToArray()).ToArray();
        var promptMask = prompts.Select(p => Enumerable.Repeat(0, width - p.Length).Concat(Enumerable.Repeat(1, p.Length)).ToArray()).ToArray();
        long[] promptOfRow = [0, 1, 0, 0, 1];
        const int steps = 4;

        using var copied = model.CreateCache(2, width + steps);
        using var shared = model.CreateCache(2, width + steps);
        AssertClose(model.Forward(Ids(padded), copied, Ids(promptMask)), model.Forward(Ids(padded), shared, Ids(promptMask)), tolerance);
        copied.KeepRows(promptOfRow);
        shared.ShareRows(promptOfRow);

        var rows = promptOfRow.ToList();
        for (var step = 0; step < steps; step++)
        {
            if (step == 2)
            {
                // The second row (of the shorter prompt) finishes: both caches drop it.
                long[] keep = [0, 2, 3, 4];
                copied.KeepRows(keep);
                shared.KeepRows(keep);
                rows = keep.Select(i => rows[(int)i]).ToList();
            }
            var tokens = rows.Select((_, r) => new[] { TinyModels.RandomIds(1, vocab, 10 * step + r + 3)[0] }).ToArray();
            var mask = rows.Select(p => promptMask[p].Concat(Enumerable.Repeat(1, step + 1)).ToArray()).ToArray();
            var expected = model.Forward(Ids(tokens), copied, Ids(mask));
            var actual = model.Forward(Ids(tokens), shared, Ids(mask));
            AssertClose(expected, actual, tolerance);
            Assert.Equal(copied.Length, shared.Length);
        }
    }
}
