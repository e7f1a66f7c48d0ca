using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Scoring;
using Sdpo.Engine.Tests.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Scoring;

public sealed class SequenceScorerTests : IDisposable
{
    private readonly CausalLM _model = TinyModels.Random(TinyModels.Qwen2Config(), seed: 13);

    private static readonly ScoringPair Long = new([1, 9, 23, 40, 7], [11, 12, 13]);
    private static readonly ScoringPair Short = new([1, 50], [60, 61, 62, 63, 64]);
    private static readonly ScoringPair Single = new([1], [70]);

    /// <summary>log p(continuation_j | ...) read off a plain forward pass of the whole unpadded sequence.</summary>
    private float[] Reference(ScoringPair pair)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequence = pair.Context.Concat(pair.Continuation).ToArray();
        var logProbs = _model.Forward(KvCacheTests.Ids(sequence))[0].log_softmax(-1);
        return pair.Continuation.Select((token, j) => logProbs[pair.Context.Count - 1 + j, token].item<float>()).ToArray();
    }

    [Fact]
    public void TokenLogProbsEqualPlainForward()
    {
        var scores = new SequenceScorer(_model).Score([Long, Short, Single]);
        ScoringPair[] pairs = [Long, Short, Single];
        for (var i = 0; i < pairs.Length; i++)
        {
            var expected = Reference(pairs[i]);
            Assert.Equal(expected.Length, scores[i].TokenLogProbs.Count);
            for (var j = 0; j < expected.Length; j++) Assert.Equal(expected[j], scores[i].TokenLogProbs[j], 1e-5);
        }
    }

    [Fact]
    public void PaddedBatchEqualsEachPairAlone()
    {
        var scorer = new SequenceScorer(_model);
        var batch = scorer.Score([Short, Long, Single], topK: 4);
        var alone = new[] { Short, Long, Single }.Select(pair => scorer.Score([pair], topK: 4)[0]).ToArray();
        for (var i = 0; i < alone.Length; i++)
        {
            Assert.Equal(alone[i].TokenLogProbs.Count, batch[i].TokenLogProbs.Count);
            for (var j = 0; j < alone[i].TokenLogProbs.Count; j++)
            {
                Assert.Equal(alone[i].TokenLogProbs[j], batch[i].TokenLogProbs[j], 1e-5);
                Assert.Equal(alone[i].TopKIds![j], batch[i].TopKIds![j]);
                Assert.Equal(alone[i].TailLogProbs![j], batch[i].TailLogProbs![j], 1e-4);
            }
        }
    }

    [Fact]
    public void TopKAndTailProbabilitiesSumToOne()
    {
        var scores = new SequenceScorer(_model).Score([Long, Short], topK: 5);
        foreach (var score in scores)
        {
            for (var j = 0; j < score.TokenLogProbs.Count; j++)
            {
                var top = score.TopKLogProbs![j];
                Assert.Equal(5, top.Length);
                Assert.True(top.Zip(top.Skip(1), (a, b) => a >= b).All(x => x), "top-K not in descending order");
                var total = top.Sum(lp => Math.Exp(lp)) + Math.Exp(score.TailLogProbs![j]);
                Assert.Equal(1.0, total, 1e-5);
            }
        }
    }

    [Fact]
    public void TailIsClampedWhenTopKHoldsEverything()
    {
        using var scope = NewDisposeScope();
        var peaked = tensor(new float[] { 0f, -200f, -200f, -200f }).reshape(1, 4).log_softmax(-1);
        var (_, _, tail) = TopKTail.Compute(peaked, 4);
        Assert.Equal(Math.Log(TopKTail.MinTailProbability), tail.item<float>(), 1e-3);
        Assert.True(float.IsFinite(tail.item<float>()));
    }

    [Fact]
    public void FullDistributionsCarryGradients()
    {
        using var scope = NewDisposeScope();
        var embedding = _model.named_parameters().Single(p => p.name == "model.embed_tokens.weight").parameter;
        embedding.requires_grad = true;
        try
        {
            using var result = new SequenceScorer(_model).ContinuationLogProbs([Long, Short]);
            Assert.Equal([2L, 5L, _model.Config.VocabSize], result.LogProbs.shape);
            Assert.Equal(ScalarType.Float32, result.LogProbs.dtype);
            Assert.Equal(new[] { 1f, 1f, 1f, 0f, 0f }, result.Mask[0].data<float>().ToArray());
            Assert.True(result.LogProbs.requires_grad);

            result.TokenLogProbs().sum().backward();
            Assert.True(embedding.grad is { } grad && grad.abs().sum().item<float>() > 0);
        }
        finally
        {
            embedding.requires_grad = false;
            embedding.grad?.Dispose();
        }
    }

    // A prompt shared by every pair (run once through a KV cache and repeated to the batch) with different tails.
    private static readonly ScoringPair[] SharedPrompt =
    [
        new([1, 9, 23, 40, 7, 31, 5], [11, 12, 13]),
        new([1, 9, 23, 40, 7, 31, 44, 45, 46, 47], [60]),
        new([1, 9, 23, 40, 7, 31, 5, 2], [70, 71, 72, 73, 74, 75]),
    ];

    [Fact]
    public void SharedPromptBatchEqualsEachPairAlone()
    {
        var scorer = new SequenceScorer(_model);
        var batch = scorer.Score(SharedPrompt, topK: 4);
        for (var i = 0; i < SharedPrompt.Length; i++)
        {
            var expected = Reference(SharedPrompt[i]);
            var alone = scorer.Score([SharedPrompt[i]], topK: 4)[0];
            for (var j = 0; j < expected.Length; j++)
            {
                Assert.Equal(expected[j], batch[i].TokenLogProbs[j], 1e-5);
                Assert.Equal(alone.TopKIds![j], batch[i].TopKIds![j]);
                Assert.Equal(alone.TailLogProbs![j], batch[i].TailLogProbs![j], 1e-4);
            }
        }
    }

    [Fact]
    public void GradientsFlowThroughTheSharedPromptAsThroughSeparatePasses()
    {
        var weights = _model.named_parameters()
            .Where(p => p.name is "model.embed_tokens.weight" or "model.layers.0.self_attn.k_proj.weight" or "model.layers.1.mlp.up_proj.weight")
            .Select(p => p.parameter).ToList();
        Assert.Equal(3, weights.Count);
        foreach (var weight in weights) weight.requires_grad = true;
        try
        {
            var scorer = new SequenceScorer(_model);
            Tensor[] Gradients(Action backward)
            {
                foreach (var weight in weights) weight.grad?.zero_();
                backward();
                return weights.Select(w => w.grad!.clone().DetachFromDisposeScope()).ToArray();
            }
            var batched = Gradients(() =>
            {
                using var scope = NewDisposeScope();
                using var scores = scorer.ContinuationLogProbs(SharedPrompt);
                scores.TokenLogProbs().mul(scores.Mask).sum().backward();
            });
            var separate = Gradients(() =>
            {
                foreach (var pair in SharedPrompt)
                {
                    using var scope = NewDisposeScope();
                    using var scores = scorer.ContinuationLogProbs([pair]);
                    scores.TokenLogProbs().sum().backward();
                }
            });
            for (var i = 0; i < weights.Count; i++)
            {
                Assert.True(separate[i].abs().max().item<float>() > 0);
                Assert.True(batched[i].allclose(separate[i], rtol: 1e-4, atol: 1e-6), $"gradient {i} differs by {(batched[i] - separate[i]).abs().max().item<float>()}");
            }
        }
        finally
        {
            foreach (var weight in weights)
            {
                weight.requires_grad = false;
                weight.grad?.Dispose();
            }
        }
    }

    /// <summary>Per-token log-probs of each pair, scored under no_grad with <paramref name="openings"/>.</summary>
    private static float[][] ScoreWith(SequenceScorer scorer, IReadOnlyList<ScoringPair> pairs, PromptOpeningCache openings)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var scores = scorer.ContinuationLogProbs(pairs, openings);
        var width = (int)scores.TargetIds.shape[1];
        var flat = scores.TokenLogProbs().cpu().data<float>().ToArray();
        return pairs.Select((pair, b) => flat.AsSpan(b * width, pair.Continuation.Count).ToArray()).ToArray();
    }

    private Parameter Embedding => _model.named_parameters().Single(p => p.name == "model.embed_tokens.weight").parameter;

    /// <summary>The first pair's per-token log-probs and the embedding's gradient of their sum; the embedding must
    /// require grad.</summary>
    private (float[] Scores, Tensor Grad) ScoresAndEmbeddingGrad(Parameter embedding, IReadOnlyList<ScoringPair> pairs, PromptOpeningCache? openings, bool detach)
    {
        embedding.grad?.zero_();
        using var scope = NewDisposeScope();
        using var scores = new SequenceScorer(_model).ContinuationLogProbs(pairs, openings, detach);
        var tokenLogProbs = scores.TokenLogProbs();
        tokenLogProbs.sum().backward();
        return (tokenLogProbs[0].data<float>().ToArray(), embedding.grad!.clone().DetachFromDisposeScope());
    }

    // Teacher contexts of three steps: one question and header, then each step's own feedback.
    private static readonly ScoringPair[][] Steps =
    [
        [new([1, 9, 23, 40, 7, 31, 5, 8], [11, 12, 13])],
        [new([1, 9, 23, 40, 7, 31, 44, 45], [60, 61])],
        [new([1, 9, 23, 40, 7, 31, 2, 3, 4], [70]), new([1, 9, 23, 40, 7, 31, 5, 8, 9], [71, 72, 73, 74])],
    ];

    [Fact]
    public void KeptOpeningScoresAsAFreshPassDoes()
    {
        var scorer = new SequenceScorer(_model);
        using var openings = new PromptOpeningCache();
        foreach (var step in Steps)
        {
            var scores = ScoreWith(scorer, step, openings);
            for (var i = 0; i < step.Length; i++)
            {
                var expected = Reference(step[i]);
                for (var j = 0; j < expected.Length; j++) Assert.Equal(expected[j], scores[i][j], 1e-5);
            }
            Assert.Equal(step[0].Context.Count, openings.Length);
        }
    }

    [Fact]
    public void KeptOpeningIsReadNotRecomputed()
    {
        // An opening kept under other weights changes the scores: proof that later calls copy it rather than run it
        // (and why the policy keeps one only for weights that never change).
        using var other = TinyModels.Random(TinyModels.Qwen2Config(), seed: 14);
        using var openings = new PromptOpeningCache();
        ScoreWith(new SequenceScorer(other), Steps[0], openings);
        var scores = ScoreWith(new SequenceScorer(_model), Steps[1], openings);
        var expected = Reference(Steps[1][0]);
        Assert.True(expected.Zip(scores[0], (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the kept opening was not used");

        // With grad, a detached context reads it too.
        ScoreWith(new SequenceScorer(other), Steps[0], openings);
        using var scope = NewDisposeScope();
        using var withGrad = new SequenceScorer(_model).ContinuationLogProbs(Steps[1], openings, detachSharedContext: true);
        var detached = withGrad.TokenLogProbs()[0].data<float>().ToArray();
        Assert.True(expected.Zip(detached, (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the kept opening was not used with grad");
    }

    [Fact]
    public void KeptOpeningIsRefusedWithGradUnlessTheContextIsDetached()
    {
        using var openings = new PromptOpeningCache();
        using var grad = enable_grad();
        var error = Assert.Throws<InvalidOperationException>(() => new SequenceScorer(_model).ContinuationLogProbs(Steps[0], openings));
        Assert.Contains("no_grad", error.Message);
    }

    [Fact]
    public void DetachedContextReadFromAKeptOpeningGivesTheSameScoresAndGradients()
    {
        var embedding = Embedding;
        embedding.requires_grad = true;
        try
        {
            using var openings = new PromptOpeningCache();
            ScoreWith(new SequenceScorer(_model), Steps[0], openings); // fills it, as sampling does before an update
            var heldBefore = openings.Length;
            var (fresh, freshGrad) = ScoresAndEmbeddingGrad(embedding, Steps[0], null, detach: true);
            var (kept, keptGrad) = ScoresAndEmbeddingGrad(embedding, Steps[0], openings, detach: true);
            using var _ = freshGrad;
            using var __ = keptGrad;
            for (var j = 0; j < fresh.Length; j++) Assert.Equal(fresh[j], kept[j], 1e-5);
            Assert.True(freshGrad.abs().max().item<float>() > 0);
            Assert.True(keptGrad.allclose(freshGrad, rtol: 1e-4, atol: 1e-6), $"gradients differ by {(keptGrad - freshGrad).abs().max().item<float>()}");
            Assert.Equal(heldBefore, openings.Length); // read, not replaced, under grad
        }
        finally
        {
            embedding.requires_grad = false;
            embedding.grad?.Dispose();
        }
    }

    [Fact]
    public void DetachedContextScoresTheSameButDifferentiatesOnlyAfterIt()
    {
        var embedding = Embedding;
        embedding.requires_grad = true;
        try
        {
            static float Row(Tensor grad, int token) => grad[token].abs().sum().item<float>();
            var (full, fullGrad) = ScoresAndEmbeddingGrad(embedding, [Long], null, detach: false);
            var (detached, detachedGrad) = ScoresAndEmbeddingGrad(embedding, [Long], null, detach: true);
            using var _ = fullGrad;
            using var __ = detachedGrad;

            var expected = Reference(Long);
            for (var j = 0; j < expected.Length; j++)
            {
                Assert.Equal(expected[j], full[j], 1e-5);
                Assert.Equal(expected[j], detached[j], 1e-5);
            }
            // Long = [1, 9, 23, 40, 7] then [11, 12, 13]: tokens 1, 9, 23 and 40 are only in the detached context; 7, the
            // context's last token, and the continuation's inputs 11 and 12 are differentiated in both.
            foreach (var token in new[] { 1, 9, 23, 40 })
            {
                Assert.True(Row(fullGrad, token) > 0, $"token {token} has no gradient in the full pass");
                Assert.Equal(0f, Row(detachedGrad, token));
            }
            foreach (var token in new[] { 7, 11, 12 })
                Assert.True(Row(detachedGrad, token) > 0, $"token {token} lost its gradient");
        }
        finally
        {
            embedding.requires_grad = false;
            embedding.grad?.Dispose();
        }
    }

    [Fact]
    public void TooLongContextIsRejected()
    {
        var limit = _model.Config.MaxPositionEmbeddings;
        var pair = new ScoringPair(TinyModels.RandomIds(limit, _model.Config.VocabSize, 2), [5, 6]);
        var error = Assert.Throws<ContextLengthException>(() => new SequenceScorer(_model).Score([Short, pair]));
        Assert.Equal(limit, error.Limit);
        Assert.Equal(limit + 1, error.Requested);
    }

    public void Dispose() => _model.Dispose();
}
