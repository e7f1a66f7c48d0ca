using Sdpo.Engine.Models;

namespace Sdpo.Engine.Generation;

/// <summary>
/// The keys and values of one prompt opening, kept across <see cref="TextGenerator.Generate(IReadOnlyList{IReadOnlyList{int}}, SamplingOptions, PromptOpeningCache?)"/>
/// calls so that steps whose contexts begin alike (the question, a feedback header) run that opening once per run
/// instead of once per step; <see cref="Scoring.SequenceScorer"/> keeps a frozen teacher's context opening the same way.
/// Valid only while the model's weights stay as they were: <see cref="Clear"/> it after every update. Use it on the
/// thread that owns the model's tensors.
/// </summary>
public sealed class PromptOpeningCache : IDisposable
{
    private int[] _tokens = [];
    private KvCache? _cache;

    /// <summary>Tokens of the opening held (0 when empty).</summary>
    public int Length => _cache is null ? 0 : _tokens.Length;

    /// <summary>How many leading tokens of the held opening every prompt begins with, leaving each prompt at least one
    /// token of its own (at most <paramref name="limit"/>).</summary>
    internal int ReusableLength(IReadOnlyList<IReadOnlyList<int>> prompts, int limit)
    {
        if (_cache is null) return 0;
        var length = 0;
        var bound = Math.Min(limit, _tokens.Length);
        while (length < bound && prompts.All(prompt => prompt.Count > length + 1 && prompt[length] == _tokens[length])) length++;
        return length;
    }

    /// <summary>Copies the first <paramref name="length"/> held positions into an empty one-row cache.</summary>
    internal void FillInto(KvCache target, int length) => target.CopyPrefix(_cache!, length);

    /// <summary>Holds <paramref name="tokens"/> and a copy of their positions from row 0 of <paramref name="filled"/>.</summary>
    internal void Store(IReadOnlyList<int> tokens, KvCache filled, Func<int, KvCache> createCache)
    {
        var copy = createCache(tokens.Count);
        copy.CopyPrefix(filled, tokens.Count);
        Clear();
        _cache = copy;
        _tokens = tokens.ToArray();
    }

    /// <summary>Forgets the opening, e.g. after the weights changed.</summary>
    public void Clear()
    {
        _cache?.Dispose();
        _cache = null;
        _tokens = [];
    }

    public void Dispose() => Clear();
}
