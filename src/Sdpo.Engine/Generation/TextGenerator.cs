using Sdpo.Contracts;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tokenization;
using static TorchSharp.torch;

namespace Sdpo.Engine.Generation;

/// <summary>
/// Samples continuations of a batch of prompts. Prompts of different lengths are left-padded so that every
/// row's next token sits in the last column; each step feeds only the new token through the KV cache (or
/// recomputes the whole sequence when <see cref="SamplingOptions.UseKvCache"/> is off); with the cache, each
/// distinct prompt and the opening they share run once. Rows that finish are dropped from the batch and the
/// cache. Runs under no_grad (not inference mode, so callers may reuse the ids for training) and must run on the
/// thread that owns the model's tensors.
/// </summary>
public sealed class TextGenerator
{
    private readonly CausalLM _model;
    private readonly Func<IEnumerable<int>, string>? _decode;
    private readonly ITextTokenizer? _tokenizer;
    private TokenTextTable? _tokenTexts;

    public TextGenerator(CausalLM model, Func<IEnumerable<int>, string>? decode = null)
    {
        _model = model;
        _decode = decode;
    }

    /// <summary>With a tokenizer, the token texts a grammar needs are shared by every generator of that tokenizer.</summary>
    public TextGenerator(CausalLM model, ITextTokenizer tokenizer) : this(model, tokenizer.Decode) => _tokenizer = tokenizer;

    public GeneratedSequence Generate(IReadOnlyList<int> prompt, SamplingOptions options) => Generate([prompt], options)[0];

    /// <param name="openings">with the KV cache on, keeps the opening the prompts share for the next call on the same
    /// weights, and reuses what it already holds of it</param>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options, PromptOpeningCache? openings = null)
    {
        Validate(prompts, options);
        var rows = prompts.Select(_ => new RowState()).ToArray();
        if (options.MaxNewTokens == 0) return rows.Select(row => Finish(row, FinishReason.Length)).ToArray();

        var longestPrompt = prompts.Max(prompt => prompt.Count);
        var contextLimit = _model.Config.MaxPositionEmbeddings;
        // The last token that is ever fed sits at position longestPrompt + MaxNewTokens - 2.
        var capacity = (int)Math.Min((long)longestPrompt + options.MaxNewTokens - 1, contextLimit);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(options.Seed ?? Random.Shared.NextInt64()), _model.Device);
        using var cache = options.UseKvCache ? _model.CreateCache(1, capacity) : null;
        var active = Enumerable.Range(0, prompts.Count).ToList();
        Tensor ids, mask, logits;
        if (cache is null)
        {
            (ids, mask) = LeftPad(prompts, _model.Device);
            logits = LastLogits(ids, null, mask);
        }
        else
        {
            (logits, mask) = PrefillOnce(prompts, cache, openings);
            ids = empty(prompts.Count, 0, dtype: ScalarType.Int64, device: _model.Device); // the cache holds the prompts
        }
        var grammar = options.Grammar is { } answers ? FilterFor(answers, options.StopTokenIds) : null;

        for (var step = 0; ; step++)
        {
            using var allowed = grammar is null ? null : AllowedTokens(active.Select(i => rows[i]).ToList(), grammar);
            using var constrained = allowed is null ? null : logits.masked_fill(allowed.logical_not(), double.NegativeInfinity);
            var (tokens, logProbs) = TokenSampler.Sample(constrained ?? logits, options, generator);
            var stillActive = new List<long>();
            for (var i = 0; i < active.Count; i++)
            {
                var row = rows[active[i]];
                AcceptToken(row, (int)tokens[i], logProbs[i], options);
                if (row.Reason is null && row.TokenIds.Count >= options.MaxNewTokens) row.Reason = FinishReason.Length;
                // Feeding this token would need position longestPrompt + step, past the model's context.
                if (row.Reason is null && longestPrompt + step + 1 > contextLimit) row.Reason = FinishReason.Length;
                if (row.Reason is null) stillActive.Add(i);
            }
            if (stillActive.Count == 0) break;

            using var stepScope = NewDisposeScope();
            var previous = new[] { ids, mask, logits };
            var next = tensor(tokens, device: _model.Device).unsqueeze(1);
            if (stillActive.Count < active.Count)
            {
                var keep = tensor(stillActive.ToArray(), device: _model.Device);
                cache?.KeepRows(stillActive);
                (ids, mask, next) = (ids.index_select(0, keep), mask.index_select(0, keep), next.index_select(0, keep));
                active = stillActive.Select(i => active[(int)i]).ToList();
            }
            mask = cat([mask, ones_like(next)], 1);
            ids = cache is null ? cat([ids, next], 1) : next;
            var nextLogits = LastLogits(ids, cache, mask);
            (ids, mask, logits) = stepScope.MoveToOuter(ids, mask, nextLogits);
            // The carried tensors replace last step's, which would otherwise pile up until the end.
            foreach (var stale in previous) stale.Dispose();
        }
        return rows.Select(row => Finish(row, row.Reason ?? FinishReason.Length)).ToArray();
    }

    /// <summary>[rows, vocab] true where the grammar lets a token follow the row's text so far; rows with the same
    /// text (all of them at the first step) are worked out once.</summary>
    private Tensor AllowedTokens(IReadOnlyList<RowState> rows, GrammarTokenFilter grammar)
    {
        var vocab = _model.Config.VocabSize;
        var flags = new bool[rows.Count * vocab];
        var byText = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            var text = _decode!(rows[r].TokenIds);
            if (!byText.TryGetValue(text, out var allowed)) byText[text] = allowed = grammar.Allowed(text);
            Array.Copy(allowed, 0, flags, r * vocab, Math.Min(vocab, allowed.Length));
        }
        return tensor(flags, [rows.Count, vocab], device: _model.Device);
    }

    /// <summary>The token filter this generator applies for <paramref name="grammar"/>, for callers that need the same
    /// allowed sets (SDPO distilling within the grammar).</summary>
    public GrammarTokenFilter FilterFor(IAnswerGrammar grammar, IReadOnlyList<int> stopTokenIds)
    {
        if (_decode is null) throw new InvalidOperationException("A grammar needs a decoder: construct the TextGenerator with a tokenizer or decode function.");
        return new GrammarTokenFilter(grammar, TokenTexts(), stopTokenIds);
    }

    /// <summary>Each vocabulary id's text, decoded once per tokenizer (or per generator given only a decode function).</summary>
    private TokenTextTable TokenTexts() => _tokenTexts ??= _tokenizer is not null
        ? TokenTextTable.For(_tokenizer, _model.Config.VocabSize)
        : TokenTextTable.Build(_model.Config.VocabSize, _decode!);

    /// <summary>
    /// Whether rows should decode from one shared copy of each distinct prompt (<see cref="KvCache.ShareRows"/>) rather
    /// than from copies of their own. Sharing saves reading the copies at every step but costs a score against every
    /// prompt and about twenty more tensor operations per layer and step: it pays with a few long prompts sampled
    /// many times (a self-teacher step of 64 from 2 chains: 20% less time), not with one short question sampled 8
    /// times (stories260k's benchmark: 20% more). The bounds are where the measured cases fall (docs/benchmarks.md).
    /// </summary>
    internal static bool WorthSharing(int distinctPrompts, int rows, int promptLength) =>
        distinctPrompts <= 4 && (long)(rows - distinctPrompts) * promptLength >= 1024;

    /// <summary>Shorter common openings are not worth a separate pass.</summary>
    private const int MinSharedOpening = 8;

    /// <summary>Tokens every one of several distinct prompts begins with, leaving each prompt at least one token of
    /// its own (its last column gives the first logits).</summary>
    private static int CommonOpeningLength(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        var limit = prompts.Min(prompt => prompt.Count) - 1;
        var length = 0;
        while (length < limit && prompts.All(prompt => prompt[length] == prompts[0][length])) length++;
        return length;
    }

    /// <summary>
    /// Fills the cache with the prompts and returns their last-column logits [B, vocab], running each distinct
    /// prompt once (one question sampled G times, or chains that draw several attempts from one context) and the
    /// opening that distinct prompts share once (chains that add their own feedback after the same question and
    /// header), then giving each row its prompt's cache row: read in place from one shared copy where
    /// <see cref="WorthSharing"/>, else copied. What <paramref name="openings"/> holds of that opening is
    /// copied rather than run, and the opening is left there for the next call. Also returns the attention mask
    /// [B, L] that goes with the cache; positions skip padding, so every row sees what it would alone.
    /// </summary>
    private (Tensor Logits, Tensor Mask) PrefillOnce(IReadOnlyList<IReadOnlyList<int>> prompts, KvCache cache, PromptOpeningCache? openings)
    {
        using var scope = NewDisposeScope();
        var distinct = new List<IReadOnlyList<int>>();
        var rowOf = new long[prompts.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var row = 0; row < prompts.Count; row++)
        {
            var key = string.Join(',', prompts[row]);
            if (!seen.TryGetValue(key, out var index))
            {
                seen[key] = index = distinct.Count;
                distinct.Add(prompts[row]);
            }
            rowOf[row] = index;
        }

        // One distinct prompt is run whole, unless its opening is worth keeping for the next call.
        var openingLength = distinct.Count > 1 ? CommonOpeningLength(distinct) : openings is null ? 0 : distinct[0].Count - 1;
        var reused = openingLength > 0 ? openings?.ReusableLength(distinct, openingLength) ?? 0 : 0;
        Tensor restIds, restMask;
        // An opening kept whole is used whatever its length: it may hold what running the tokens here would not give
        // (SDPO's basePrompt keeps the base model's reading of the question for the adapted student).
        if (openingLength >= MinSharedOpening || reused == openingLength && reused > 0)
        {
            if (reused > 0) openings!.FillInto(cache, reused);
            var openingMask = ones(1, openingLength, dtype: ScalarType.Int64, device: _model.Device);
            if (openingLength > reused)
            {
                var unseen = distinct[0].Skip(reused).Take(openingLength - reused).Select(id => (long)id).ToArray();
                _model.ForwardHidden(tensor(unseen, [1, unseen.Length], device: _model.Device), cache, openingMask);
                openings?.Store(distinct[0].Take(openingLength).ToList(), cache, length => _model.CreateCache(1, length));
            }
            cache.RepeatRow(distinct.Count);
            (restIds, restMask) = LeftPad(distinct.Select(prompt => (IReadOnlyList<int>)prompt.Skip(openingLength).ToList()).ToList(), _model.Device);
            restMask = cat([openingMask.expand(distinct.Count, -1), restMask], 1);
        }
        else
        {
            cache.RepeatRow(distinct.Count); // still empty: this only sizes it
            (restIds, restMask) = LeftPad(distinct, _model.Device);
        }
        var logits = LastLogits(restIds, cache, restMask);
        if (distinct.Count < prompts.Count)
        {
            if (WorthSharing(distinct.Count, prompts.Count, cache.Length)) cache.ShareRows(rowOf);
            else cache.KeepRows(rowOf);
            var rows = tensor(rowOf, device: _model.Device);
            (logits, restMask) = (logits.index_select(0, rows), restMask.index_select(0, rows));
        }
        return (logits.MoveToOuterDisposeScope(), restMask.MoveToOuterDisposeScope());
    }

    /// <summary>Logits [B, vocab] at the last column, for the sampler.</summary>
    private Tensor LastLogits(Tensor ids, KvCache? cache, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var hidden = _model.ForwardHidden(ids, cache, mask);
        return _model.Logits(hidden.select(1, -1)).MoveToOuterDisposeScope();
    }

    private void AcceptToken(RowState row, int token, float logProb, SamplingOptions options)
    {
        if (options.StopTokenIds.Contains(token))
        {
            row.Reason = FinishReason.StopToken;
            row.StopTokenId = token;
            return;
        }
        row.TokenIds.Add(token);
        row.LogProbs.Add(logProb);
        if (options.StopStrings.Count == 0) return;

        var text = _decode!(row.TokenIds);
        var cut = options.StopStrings.Select(stop => text.IndexOf(stop, StringComparison.Ordinal)).Where(at => at >= 0).DefaultIfEmpty(-1).Min();
        if (cut >= 0)
        {
            row.Reason = FinishReason.StopString;
            row.Text = text[..cut];
        }
    }

    private GeneratedSequence Finish(RowState row, FinishReason reason) =>
        new(row.TokenIds, row.LogProbs, reason, row.Text ?? _decode?.Invoke(row.TokenIds), row.StopTokenId);

    private void Validate(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options)
    {
        options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("At least one prompt is needed.", nameof(prompts));
        if (options.StopStrings.Count > 0 && _decode is null)
            throw new ArgumentException("Stop strings need a decoder: construct the TextGenerator with a tokenizer or decode function.", nameof(options));
        if (options.Grammar is not null && _decode is null)
            throw new ArgumentException("A grammar needs a decoder: construct the TextGenerator with a tokenizer or decode function.", nameof(options));
        var vocab = _model.Config.VocabSize;
        for (var i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Count == 0) throw new ArgumentException($"Prompt {i} is empty; it needs at least one token (e.g. BOS).", nameof(prompts));
            if (prompts[i].Count > _model.Config.MaxPositionEmbeddings)
                throw new ContextLengthException(prompts[i].Count, _model.Config.MaxPositionEmbeddings);
            if (prompts[i].Any(id => id < 0 || id >= vocab))
                throw new ArgumentException($"Prompt {i} holds token id {prompts[i].First(id => id < 0 || id >= vocab)} outside the vocabulary [0, {vocab}).", nameof(prompts));
        }
    }

    /// <summary>Right-aligns the prompts: ids [B, Lmax] (padding id 0, masked out) and mask [B, Lmax] (1 = real token).</summary>
    internal static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, Device device)
    {
        var width = prompts.Max(prompt => prompt.Count);
        var ids = new long[prompts.Count * width];
        var mask = new long[prompts.Count * width];
        for (var row = 0; row < prompts.Count; row++)
        {
            var offset = row * width + width - prompts[row].Count;
            for (var i = 0; i < prompts[row].Count; i++)
            {
                ids[offset + i] = prompts[row][i];
                mask[offset + i] = 1;
            }
        }
        return (tensor(ids, [prompts.Count, width], device: device), tensor(mask, [prompts.Count, width], device: device));
    }

    private sealed class RowState
    {
        public List<int> TokenIds { get; } = [];
        public List<float> LogProbs { get; } = [];
        public FinishReason? Reason { get; set; }
        public string? Text { get; set; }
        public int? StopTokenId { get; set; }
    }
}
