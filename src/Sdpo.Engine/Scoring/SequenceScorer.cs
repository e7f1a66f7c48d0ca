using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using static TorchSharp.torch;

namespace Sdpo.Engine.Scoring;

/// <summary>
/// Scores continuations given contexts in one forward pass. Each pair becomes context + continuation
/// (without its last token, which nothing after it needs), right-padded to the longest; causal attention means
/// padding after a sequence never affects it. Only the positions that predict continuation tokens go through
/// the output head. Context tokens that every pair shares (the prompt, the feedback header) run once and are
/// repeated to the batch through a KV cache, with autograd; the result is the same up to float rounding.
/// </summary>
public sealed class SequenceScorer
{
    private readonly CausalLM _model;

    public SequenceScorer(CausalLM model) => _model = model;

    /// <summary>The full float32 log-softmax at every continuation position, with autograd when grad is
    /// enabled (training differentiates through it).</summary>
    /// <param name="openings">only while the weights stay as they were when it was filled (a frozen teacher's whole
    /// run, or a student's question between sampling and its update): the context opening it holds is copied rather
    /// than run. Under no_grad, this call's first context is then left there for the next call; with grad it is only
    /// read, and only with <paramref name="detachSharedContext"/> (the copy carries no gradient).</param>
    /// <param name="detachSharedContext">run the context every pair shares (all of it but its last token for one
    /// pair) without autograd, so that a loss differentiates only through the rest: cheaper, and not the full
    /// gradient (the weights' effect on the shared context's keys and values is left out).</param>
    public ContinuationLogProbs ContinuationLogProbs(IReadOnlyList<ScoringPair> pairs, PromptOpeningCache? openings = null, bool detachSharedContext = false)
    {
        Validate(pairs);
        var grad = is_grad_enabled();
        if (openings is not null && grad && !detachSharedContext)
            throw new InvalidOperationException("A kept opening carries no autograd graph: score with it under no_grad, or detach the shared context.");
        using var scope = NewDisposeScope();
        var batch = pairs.Count;
        // A kept opening is used whatever its length, as in sampling: it may be another model's reading (SDPO's basePrompt).
        var reused = openings?.ReusableLength(pairs.Select(pair => pair.Context).ToList(), int.MaxValue) ?? 0;
        // Every pair begins with the reused tokens too, so the prefix run once covers both.
        var shared = Math.Max(detachSharedContext ? CommonContextLength(pairs) : SharedPrefixLength(pairs), reused);
        var inputLength = Math.Max(1, pairs.Max(pair => pair.Context.Count + pair.Continuation.Count - 1)) - shared;
        var longestContinuation = pairs.Max(pair => pair.Continuation.Count);

        var inputIds = new long[batch * inputLength];
        var positions = new long[batch * longestContinuation];
        var targets = new long[batch * longestContinuation];
        var mask = new float[batch * longestContinuation];
        for (var b = 0; b < batch; b++)
        {
            var (context, continuation) = (pairs[b].Context, pairs[b].Continuation);
            var sequence = context.Skip(shared).Concat(continuation.Take(continuation.Count - 1)).ToArray();
            for (var t = 0; t < sequence.Length; t++) inputIds[b * inputLength + t] = sequence[t];
            for (var j = 0; j < continuation.Count; j++)
            {
                // The hidden state at position context + j - 1 predicts continuation token j.
                positions[b * longestContinuation + j] = context.Count - 1 + j - shared;
                targets[b * longestContinuation + j] = continuation[j];
                mask[b * longestContinuation + j] = 1f;
            }
        }

        var device = _model.Device;
        using var cache = shared > 0 || openings is not null ? _model.CreateCache(1, shared + inputLength) : null;
        if (cache is not null)
        {
            if (reused > 0) openings!.FillInto(cache, reused);
            if (shared > reused)
            {
                var prefix = pairs[0].Context.Skip(reused).Take(shared - reused).Select(id => (long)id).ToArray();
                using var detached = detachSharedContext ? no_grad() : null;
                _model.ForwardHidden(tensor(prefix, [1, prefix.Length], device: device), cache);
            }
            cache.RepeatRow(batch);
        }
        var hidden = _model.ForwardHidden(tensor(inputIds, [batch, inputLength], device: device), cache);
        // Row 0 now holds the first pair's whole context: the next call's contexts likely open as it does.
        if (!grad) openings?.Store(pairs[0].Context, cache!, length => _model.CreateCache(1, length));
        var index = tensor(positions, [batch, longestContinuation], device: device)
            .unsqueeze(-1).expand(batch, longestContinuation, hidden.shape[2]);
        var logProbs = _model.Logits(hidden.gather(1, index)).to(ScalarType.Float32).log_softmax(-1);
        var result = new ContinuationLogProbs(
            logProbs.MoveToOuterDisposeScope(),
            tensor(targets, [batch, longestContinuation], device: device).MoveToOuterDisposeScope(),
            tensor(mask, [batch, longestContinuation], device: device).MoveToOuterDisposeScope(),
            pairs.Select(pair => pair.Continuation.Count).ToArray());
        return result;
    }

    /// <summary>Runs <paramref name="context"/> with the model's current weights, without autograd, and leaves its
    /// keys and values in <paramref name="openings"/> (replacing what it held) for later calls to read.</summary>
    public void KeepOpening(IReadOnlyList<int> context, PromptOpeningCache openings)
    {
        if (context.Count == 0) throw new ArgumentException("An opening needs at least one token.", nameof(context));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = _model.CreateCache(1, context.Count);
        _model.ForwardHidden(tensor(context.Select(id => (long)id).ToArray(), [1, context.Count], device: _model.Device), cache);
        openings.Store(context, cache, length => _model.CreateCache(1, length));
    }

    /// <summary>Per-token log-probabilities of each continuation and, when <paramref name="topK"/> &gt; 0, the
    /// top-K log-probabilities and ids at each position with the log of the remaining mass. No autograd.
    /// <paramref name="openings"/> as for <see cref="ContinuationLogProbs"/>.</summary>
    public IReadOnlyList<ContinuationScore> Score(IReadOnlyList<ScoringPair> pairs, int topK = 0, PromptOpeningCache? openings = null)
    {
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be 0 (off) or positive.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var distributions = ContinuationLogProbs(pairs, openings);
        var tokenLogProbs = distributions.TokenLogProbs().cpu();
        float[]? topValues = null, tailValues = null;
        long[]? topIds = null;
        var k = Math.Min(topK, _model.Config.VocabSize);
        if (k > 0)
        {
            var (values, indices, tail) = TopKTail.Compute(distributions.LogProbs, k);
            (topValues, topIds, tailValues) = (values.cpu().data<float>().ToArray(), indices.cpu().data<long>().ToArray(), tail.cpu().data<float>().ToArray());
        }

        var width = (int)tokenLogProbs.shape[1];
        var perToken = tokenLogProbs.data<float>().ToArray();
        return pairs.Select((pair, b) =>
        {
            var length = pair.Continuation.Count;
            var tokens = perToken.AsSpan(b * width, length).ToArray();
            if (k == 0) return new ContinuationScore(tokens);
            var rows = Enumerable.Range(b * width, length).ToArray();
            return new ContinuationScore(
                tokens,
                rows.Select(row => topValues!.AsSpan(row * k, k).ToArray()).ToArray(),
                rows.Select(row => topIds!.AsSpan(row * k, k).ToArray().Select(id => (int)id).ToArray()).ToArray(),
                rows.Select(row => tailValues![row]).ToArray());
        }).ToArray();
    }

    /// <summary>Context tokens common to every pair worth running once: none for a single pair or a short common
    /// prefix, and always at least one context token left per pair to predict the first continuation token.</summary>
    private static int SharedPrefixLength(IReadOnlyList<ScoringPair> pairs)
    {
        if (pairs.Count < 2) return 0;
        var length = CommonContextLength(pairs);
        return length >= MinimumSharedPrefix ? length : 0;
    }

    /// <summary>Context tokens common to every pair, leaving each at least one to predict its first continuation
    /// token (for one pair, all of its context but the last token).</summary>
    private static int CommonContextLength(IReadOnlyList<ScoringPair> pairs)
    {
        var first = pairs[0].Context;
        var limit = pairs.Min(pair => pair.Context.Count) - 1;
        var length = 0;
        while (length < limit && pairs.All(pair => pair.Context[length] == first[length])) length++;
        return length;
    }

    private const int MinimumSharedPrefix = 4;

    private void Validate(IReadOnlyList<ScoringPair> pairs)
    {
        if (pairs.Count == 0) throw new ArgumentException("At least one pair is needed.", nameof(pairs));
        var vocab = _model.Config.VocabSize;
        var limit = _model.Config.MaxPositionEmbeddings;
        for (var i = 0; i < pairs.Count; i++)
        {
            var (context, continuation) = (pairs[i].Context, pairs[i].Continuation);
            if (context.Count == 0) throw new ArgumentException($"Pair {i} has an empty context; it needs at least one token (e.g. BOS).", nameof(pairs));
            var fed = context.Count + Math.Max(0, continuation.Count - 1);
            if (fed > limit) throw new ContextLengthException(fed, limit, $"context plus continuation of pair {i}");
            if (context.Concat(continuation).Any(id => id < 0 || id >= vocab))
                throw new ArgumentException($"Pair {i} holds a token id outside the vocabulary [0, {vocab}).", nameof(pairs));
        }
    }
}
