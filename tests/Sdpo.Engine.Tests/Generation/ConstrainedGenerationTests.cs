using Sdpo.Contracts;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Generation;

public sealed class ConstrainedGenerationTests : IDisposable
{
    private const int Stop = 25;
    private readonly CausalLM _model = TinyModels.Random(TinyModels.Qwen3Config(), seed: 11);
    private static readonly int[] Prompt = [1, 17, 42, 5, 33, 8];

    /// <summary>Ids decode to letters, several ids to the same letter (97 ids, 26 letters).</summary>
    private static string Letters(IEnumerable<int> ids) => new(ids.Select(id => (char)('a' + id % 26)).ToArray());

    /// <summary>Exactly <c>length</c> letters from <c>allowed</c>.</summary>
    private sealed class FixedLengthWords(string allowed, int length) : IAnswerGrammar
    {
        public bool IsViablePrefix(string text) => text.Length <= length && text.All(allowed.Contains);
        public bool IsComplete(string text) => text.Length == length && IsViablePrefix(text);
    }

    private static SamplingOptions Options(long seed) =>
        new() { Temperature = 1.0, MaxNewTokens = 12, Seed = seed, StopTokenIds = [Stop] };

    [Fact]
    public void EveryRowStaysInTheGrammarAndStopsOnlyWhenComplete()
    {
        var generator = new TextGenerator(_model, Letters);
        var prompts = Enumerable.Repeat<IReadOnlyList<int>>(Prompt, 8).ToList();
        var grammar = new FixedLengthWords("abc", 5);

        var free = generator.Generate(prompts, Options(seed: 4));
        var constrained = generator.Generate(prompts, Options(seed: 4) with { Grammar = grammar });

        Assert.Contains(free, row => !grammar.IsComplete(Letters(row.TokenIds)));
        foreach (var row in constrained)
        {
            Assert.Equal(FinishReason.StopToken, row.FinishReason);
            Assert.True(grammar.IsComplete(row.Text!), row.Text);
        }
        Assert.True(constrained.Select(r => r.Text).Distinct().Count() > 1, "rows should still sample, not collapse");
    }

    [Fact]
    public void LogProbsAreThoseOfTheRenormalisedAllowedTokens()
    {
        var generator = new TextGenerator(_model, Letters);
        var grammar = new FixedLengthWords("abc", 4);
        var result = generator.Generate(Prompt, Options(seed: 3) with { Grammar = grammar });

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequence = Prompt.Concat(result.TokenIds).ToArray();
        var logits = _model.Forward(KvCacheTests.Ids(sequence))[0];
        var allowed = Enumerable.Range(0, 97).Where(id => id != Stop && "abc".Contains(Letters([id]))).ToArray();
        var allowedIds = tensor(allowed.Select(id => (long)id).ToArray());
        for (var j = 0; j < result.TokenIds.Count; j++)
        {
            var row = logits[Prompt.Length - 1 + j];
            var renormalised = row.index_select(0, allowedIds).log_softmax(0);
            var expected = renormalised[Array.IndexOf(allowed, result.TokenIds[j])].item<float>();
            Assert.Equal(expected, result.LogProbs[j], 1e-5);
            Assert.True(expected > row.log_softmax(0)[result.TokenIds[j]].item<float>());
        }
    }

    [Fact]
    public void FilterLetsStopTokensThroughOnlyWhenComplete()
    {
        var table = new TokenTextTable(["a", "b", "ab", "x", "", "<end>"]);
        var filter = new GrammarTokenFilter(new FixedLengthWords("ab", 2), table, stopTokenIds: [5]);

        Assert.Equal([true, true, true, false, false, false], filter.Allowed(""));
        Assert.Equal([true, true, false, false, false, false], filter.Allowed("a"));
        Assert.Equal([false, false, false, false, false, true], filter.Allowed("ab"));
        // Stuck (a text outside the grammar): the stop token ends the attempt rather than sampling nonsense.
        Assert.Equal([false, false, false, false, false, true], filter.Allowed("x"));
    }

    [Fact]
    public void AGrammarNeedsADecoder()
    {
        var generator = new TextGenerator(_model);
        Assert.Throws<ArgumentException>(() => generator.Generate(Prompt, Options(seed: 1) with { Grammar = new FixedLengthWords("a", 1) }));
    }

    public void Dispose() => _model.Dispose();
}
