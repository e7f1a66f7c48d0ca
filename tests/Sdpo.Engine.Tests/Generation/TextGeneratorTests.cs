using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Generation;

public sealed class TextGeneratorTests : IDisposable
{
    private readonly CausalLM _model = TinyModels.Random(TinyModels.Qwen3Config(), seed: 11);
    private static readonly int[] PromptA = [1, 17, 42, 5, 33, 8];
    private static readonly int[] PromptB = [1, 60, 2 + 1];

    private static string Letters(IEnumerable<int> ids) => new(ids.Select(id => (char)('a' + id % 26)).ToArray());

    private static SamplingOptions Sampled(long seed, int tokens = 24) =>
        new() { Temperature = 1.0, MaxNewTokens = tokens, Seed = seed };

    private static readonly SamplingOptions Greedy = new() { Temperature = 0, MaxNewTokens = 24 };

    [Fact]
    public void SameSeedGivesSameSamplesAndDifferentSeedsDiffer()
    {
        var generator = new TextGenerator(_model);
        var first = generator.Generate([PromptA, PromptB], Sampled(seed: 5));
        var again = generator.Generate([PromptA, PromptB], Sampled(seed: 5));
        var other = generator.Generate([PromptA, PromptB], Sampled(seed: 6));

        for (var row = 0; row < 2; row++)
        {
            Assert.Equal(first[row].TokenIds, again[row].TokenIds);
            Assert.Equal(first[row].LogProbs, again[row].LogProbs);
        }
        Assert.NotEqual(first[0].TokenIds.Concat(first[1].TokenIds), other[0].TokenIds.Concat(other[1].TokenIds));
    }

    [Fact]
    public void RecomputingWithoutCacheGivesTheSameSamples()
    {
        var generator = new TextGenerator(_model);
        foreach (var options in new[] { Greedy, Sampled(seed: 9) })
        {
            var cached = generator.Generate([PromptA, PromptB], options);
            var recomputed = generator.Generate([PromptA, PromptB], options with { UseKvCache = false });
            for (var row = 0; row < 2; row++) Assert.Equal(cached[row].TokenIds, recomputed[row].TokenIds);
        }
    }

    [Fact]
    public void OnePromptRepeatedRunsOnceAndSamplesAsTheFullBatchWould()
    {
        var generator = new TextGenerator(_model);
        // Stop tokens make rows finish at different steps, so the repeated cache also loses rows.
        var options = Sampled(seed: 21, tokens: 16) with { StopTokenIds = [3, 7, 11] };
        var prompts = Enumerable.Repeat<IReadOnlyList<int>>(PromptA, 6).ToList();

        var shared = generator.Generate(prompts, options);
        var full = generator.Generate(prompts, options with { UseKvCache = false });

        Assert.True(shared.Select(s => s.TokenIds.Count).Distinct().Count() > 1, "rows should end at different lengths");
        Assert.True(shared.Select(s => string.Join(',', s.TokenIds)).Distinct().Count() > 1, "rows should sample independently");
        for (var row = 0; row < prompts.Count; row++)
        {
            Assert.Equal(full[row].TokenIds, shared[row].TokenIds);
            Assert.Equal(full[row].StopTokenId, shared[row].StopTokenId);
            for (var t = 0; t < full[row].LogProbs.Count; t++) Assert.Equal(full[row].LogProbs[t], shared[row].LogProbs[t], 4);
        }
    }

    [Fact]
    public void PromptsThatOpenAlikeSampleAsTheFullBatchWould()
    {
        var generator = new TextGenerator(_model);
        int[] opening = [1, 17, 42, 5, 33, 8, 19, 23, 4, 50, 12];
        // Rests of different lengths, and one prompt that is the opening alone, so the shared part stops a token short of it.
        var prompts = new IReadOnlyList<int>[]
        {
            [.. opening, 60, 3, 71, 9],
            [.. opening, 22],
            opening,
            [.. opening, 60, 3, 88, 14, 90, 6, 2],
        };
        var options = Sampled(seed: 33, tokens: 16) with { StopTokenIds = [3, 7, 11] };

        var opened = generator.Generate(prompts, options);
        var full = generator.Generate(prompts, options with { UseKvCache = false });

        for (var row = 0; row < prompts.Length; row++)
        {
            Assert.Equal(full[row].TokenIds, opened[row].TokenIds);
            for (var t = 0; t < full[row].LogProbs.Count; t++) Assert.Equal(full[row].LogProbs[t], opened[row].LogProbs[t], 4);
        }
        var alone = generator.Generate(prompts[1], Greedy);
        Assert.Equal(alone.TokenIds, generator.Generate(prompts, Greedy)[1].TokenIds);
    }

    [Fact]
    public void RepeatedPromptsAmongOthersSampleAsTheFullBatchWould()
    {
        var generator = new TextGenerator(_model);
        int[] opening = [1, 17, 42, 5, 33, 8, 19, 23, 4, 50, 12];
        int[] chainA = [.. opening, 60, 3, 71, 9], chainB = [.. opening, 22];
        var options = Sampled(seed: 41, tokens: 16) with { StopTokenIds = [3, 7, 11] };
        // Chains that draw several attempts each (sharing an opening), and repeats of prompts with nothing in common.
        foreach (var prompts in new IReadOnlyList<int>[][] { [chainA, chainB, chainA, chainB, chainA], [PromptA, PromptB, PromptB, PromptA] })
        {
            var once = generator.Generate(prompts, options);
            var full = generator.Generate(prompts, options with { UseKvCache = false });
            Assert.True(once.Select(s => string.Join(',', s.TokenIds)).Distinct().Count() > 2, "repeated prompts should sample independently");
            for (var row = 0; row < prompts.Length; row++)
            {
                Assert.Equal(full[row].TokenIds, once[row].TokenIds);
                for (var t = 0; t < full[row].LogProbs.Count; t++) Assert.Equal(full[row].LogProbs[t], once[row].LogProbs[t], 4);
            }
        }
    }

    [Fact]
    public void ChainsOfLongPromptsSampledManyTimesSampleAsTheFullBatchWould()
    {
        var generator = new TextGenerator(_model);
        // Two long contexts drawn 16 times each: enough repeated prompt to decode from one shared copy of each.
        var opening = TinyModels.RandomIds(30, _model.Config.VocabSize, seed: 5);
        int[] chainA = [.. opening, 60, 3, 71, 9, 44, 45, 10, 12], chainB = [.. opening, 22, 31];
        var prompts = Enumerable.Range(0, 32).Select(i => (IReadOnlyList<int>)(i % 3 == 0 ? chainB : chainA)).ToArray();
        var options = Sampled(seed: 47, tokens: 12) with { StopTokenIds = [3, 7, 11] };

        var shared = generator.Generate(prompts, options);
        var full = generator.Generate(prompts, options with { UseKvCache = false });

        Assert.True(shared.Select(s => s.TokenIds.Count).Distinct().Count() > 1, "rows should end at different lengths");
        for (var row = 0; row < prompts.Length; row++)
        {
            Assert.Equal(full[row].TokenIds, shared[row].TokenIds);
            Assert.Equal(full[row].StopTokenId, shared[row].StopTokenId);
            for (var t = 0; t < full[row].LogProbs.Count; t++) Assert.Equal(full[row].LogProbs[t], shared[row].LogProbs[t], 4);
        }
    }

    [Fact]
    public void AnOpeningKeptAcrossCallsSamplesAsTheFullBatchWould()
    {
        var generator = new TextGenerator(_model);
        using var openings = new PromptOpeningCache();
        int[] question = [1, 17, 42, 5, 33, 8, 19, 23, 4, 50, 12];
        int[] header = [60, 3, 71, 9, 44, 45];
        int[] chainA = [.. question, .. header, 22, 31], chainB = [.. question, .. header, 2, 13, 14];
        var options = Sampled(seed: 57, tokens: 16) with { StopTokenIds = [3, 7, 11] };
        // The question alone, then chains after a header (the kept opening grows), the same again (all of it is
        // copied), then prompts that share only its first tokens (it is replaced by theirs).
        var calls = new (IReadOnlyList<int>[] Prompts, int KeptAfter)[]
        {
            (Enumerable.Repeat<IReadOnlyList<int>>(question, 4).ToArray(), question.Length - 1),
            ([chainA, chainB, chainA, chainB], question.Length + header.Length),
            ([chainB, chainA, chainA], question.Length + header.Length),
            ([[.. PromptA, 60, 3, 71, 9], [.. PromptA, 60, 3, 71, 9, 5]], PromptA.Length + 3),
        };
        for (var call = 0; call < calls.Length; call++)
        {
            var (prompts, keptAfter) = calls[call];
            var callOptions = options with { Seed = 57 + call };
            var kept = generator.Generate(prompts, callOptions, openings);
            var full = generator.Generate(prompts, callOptions with { UseKvCache = false });

            Assert.Equal(keptAfter, openings.Length);
            for (var row = 0; row < prompts.Length; row++)
            {
                Assert.Equal(full[row].TokenIds, kept[row].TokenIds);
                for (var t = 0; t < full[row].LogProbs.Count; t++) Assert.Equal(full[row].LogProbs[t], kept[row].LogProbs[t], 4);
            }
        }
    }

    [Fact]
    public void OnlyAnEmptyOneRowCacheTakesAnOpening()
    {
        using var source = _model.CreateCache(1, 16);
        _model.ForwardHidden(tensor(PromptA.Select(id => (long)id).ToArray(), [1, PromptA.Length]), source).Dispose();
        using var twoRows = _model.CreateCache(2, 16);
        using var empty = _model.CreateCache(1, 16);
        using var filled = _model.CreateCache(1, 16);
        filled.CopyPrefix(source, 4);

        Assert.Equal(4, filled.Length);
        Assert.Throws<InvalidOperationException>(() => twoRows.CopyPrefix(source, 4));
        Assert.Throws<InvalidOperationException>(() => filled.CopyPrefix(source, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => empty.CopyPrefix(source, PromptA.Length + 1));
    }

    [Fact]
    public void BatchOfDifferentLengthsEqualsEachPromptAlone()
    {
        var generator = new TextGenerator(_model);
        var alone = generator.Generate(PromptB, Greedy);
        // A stop token that ends row B early makes the batch shrink while row A goes on.
        var stop = alone.TokenIds[4];
        var options = Greedy with { StopTokenIds = [stop] };

        var batch = generator.Generate([PromptA, PromptB], options);

        Assert.Equal(generator.Generate(PromptA, options).TokenIds, batch[0].TokenIds);
        Assert.Equal(alone.TokenIds.TakeWhile(id => id != stop), batch[1].TokenIds);
        Assert.Equal(FinishReason.StopToken, batch[1].FinishReason);
        Assert.Equal(stop, batch[1].StopTokenId);
    }

    [Fact]
    public void StopStringCutsTheText()
    {
        var generator = new TextGenerator(_model, Letters);
        var free = generator.Generate(PromptA, Greedy);
        var stopString = Letters(free.TokenIds.Skip(5).Take(2));
        var cutAt = free.Text!.IndexOf(stopString, StringComparison.Ordinal);

        var stopped = generator.Generate(PromptA, Greedy with { StopStrings = ["@@", stopString] });

        Assert.Equal(FinishReason.StopString, stopped.FinishReason);
        Assert.Equal(free.Text[..cutAt], stopped.Text);
        Assert.Equal(free.TokenIds.Take(stopped.TokenIds.Count), stopped.TokenIds);
        Assert.Equal(Letters(stopped.TokenIds), stopped.Text + stopString);
    }

    [Fact]
    public void LogProbsAreThoseOfTheRawDistribution()
    {
        var generator = new TextGenerator(_model);
        var result = generator.Generate(PromptA, Sampled(seed: 3, tokens: 8) with { Temperature = 0.7, TopK = 20 });

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequence = PromptA.Concat(result.TokenIds).ToArray();
        var logProbs = _model.Forward(KvCacheTests.Ids(sequence))[0].log_softmax(-1);
        for (var j = 0; j < result.TokenIds.Count; j++)
        {
            var expected = logProbs[PromptA.Length - 1 + j, result.TokenIds[j]].item<float>();
            Assert.Equal(expected, result.LogProbs[j], 1e-5);
        }
    }

    [Fact]
    public void TopKOneAndTinyTopPAreGreedy()
    {
        var generator = new TextGenerator(_model);
        var greedy = generator.Generate(PromptA, Greedy).TokenIds;
        Assert.Equal(greedy, generator.Generate(PromptA, Sampled(seed: 1) with { TopK = 1 }).TokenIds);
        Assert.Equal(greedy, generator.Generate(PromptA, Sampled(seed: 2) with { TopP = 1e-6 }).TokenIds);
    }

    [Fact]
    public void GenerationEndsWhenTheContextIsFull()
    {
        var limit = _model.Config.MaxPositionEmbeddings;
        var prompt = TinyModels.RandomIds(limit - 2, _model.Config.VocabSize, seed: 8);
        var result = new TextGenerator(_model).Generate(prompt, Greedy with { MaxNewTokens = 10 });
        // Positions limit-2 and limit-1 are fed; their logits and the last prompt token's give 3 tokens.
        Assert.Equal(3, result.TokenIds.Count);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void TooLongPromptIsRejected()
    {
        var limit = _model.Config.MaxPositionEmbeddings;
        var prompt = TinyModels.RandomIds(limit + 1, _model.Config.VocabSize, seed: 8);
        var error = Assert.Throws<ContextLengthException>(() => new TextGenerator(_model).Generate([PromptA, prompt], Greedy));
        Assert.Equal(limit, error.Limit);
        Assert.Equal(limit + 1, error.Requested);
        Assert.Contains(limit.ToString(), error.Message);
    }

    [Fact]
    public void ZeroNewTokensGivesEmptySequences()
    {
        var result = new TextGenerator(_model, Letters).Generate(PromptA, Greedy with { MaxNewTokens = 0 });
        Assert.Empty(result.TokenIds);
        Assert.Equal("", result.Text);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void RepeatedGenerationDoesNotLeakTensors()
    {
        var generator = new TextGenerator(_model, Letters);
        var options = Sampled(seed: 4) with { StopTokenIds = [3, 4, 5] };
        generator.Generate([PromptA, PromptB], options);
        generator.Generate([PromptA, PromptB], options with { UseKvCache = false });
        generator.Generate([PromptA, PromptA, PromptA], options);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 3; i++)
        {
            generator.Generate([PromptA, PromptB], options with { Seed = i });
            generator.Generate([PromptA, PromptB], options with { Seed = i, UseKvCache = false });
            generator.Generate([PromptA, PromptA, PromptA], options with { Seed = i });
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        var generator = new TextGenerator(_model);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(PromptA, Greedy with { Temperature = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(PromptA, Greedy with { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => generator.Generate(PromptA, Greedy with { StopStrings = ["x"] }));
        Assert.Throws<ArgumentException>(() => generator.Generate([1, 500], Greedy));
        Assert.Throws<ArgumentException>(() => generator.Generate(Array.Empty<int>(), Greedy));
    }

    public void Dispose() => _model.Dispose();
}
