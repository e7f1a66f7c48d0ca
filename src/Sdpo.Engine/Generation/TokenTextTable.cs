using System.Runtime.CompilerServices;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Engine.Generation;

/// <summary>
/// Every token's text on its own, grouped by first character, so that a grammar can rule out all tokens that
/// start with a character it rejects by testing that character once. Decoding a large vocabulary token by token
/// is not free (a 151k-token Qwen vocabulary takes a noticeable fraction of a second), so tables are kept per tokenizer.
/// </summary>
public sealed class TokenTextTable
{
    private static readonly ConditionalWeakTable<ITextTokenizer, TokenTextTable> ByTokenizer = new();
    private readonly Dictionary<char, int[]> _byFirstCharacter;

    public TokenTextTable(IReadOnlyList<string> texts)
    {
        Texts = texts;
        _byFirstCharacter = Enumerable.Range(0, texts.Count)
            .Where(id => texts[id].Length > 0)
            .GroupBy(id => texts[id][0])
            .ToDictionary(group => group.Key, group => group.ToArray());
    }

    /// <summary>Decodes ids 0 … <paramref name="vocabularySize"/> − 1 one at a time; ids the decoder cannot map read as empty.</summary>
    public static TokenTextTable Build(int vocabularySize, Func<IEnumerable<int>, string> decode) =>
        new(Enumerable.Range(0, vocabularySize).Select(id => DecodeOne(decode, id)).ToArray());

    /// <summary>The tokenizer's table for a model of <paramref name="vocabularySize"/> ids, built on first use.</summary>
    public static TokenTextTable For(ITextTokenizer tokenizer, int vocabularySize)
    {
        var table = ByTokenizer.GetValue(tokenizer, t => Build(vocabularySize, t.Decode));
        // A model whose embedding is padded past the tokenizer's vocabulary (or one smaller) gets its own.
        return table.Count == vocabularySize ? table : Build(vocabularySize, tokenizer.Decode);
    }

    private static string DecodeOne(Func<IEnumerable<int>, string> decode, int id)
    {
        try { return decode([id]); }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException) { return ""; }
    }

    public IReadOnlyList<string> Texts { get; }

    public int Count => Texts.Count;

    /// <summary>Token ids grouped by their text's first character (tokens that decode to nothing are left out).</summary>
    public IReadOnlyDictionary<char, int[]> ByFirstCharacter => _byFirstCharacter;
}
