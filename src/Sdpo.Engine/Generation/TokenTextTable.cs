namespace Sdpo.Engine.Generation;

/// <summary>
/// Every token's text on its own, grouped by first character, so that a grammar can rule out all tokens that
/// start with a character it rejects by testing that character once. Built once per generator: decoding a
/// large vocabulary token by token is not free.
/// </summary>
public sealed class TokenTextTable
{
    private readonly Dictionary<char, int[]> _byFirstCharacter;

    public TokenTextTable(IReadOnlyList<string> texts)
    {
        Texts = texts;
        _byFirstCharacter = Enumerable.Range(0, texts.Count)
            .Where(id => texts[id].Length > 0)
            .GroupBy(id => texts[id][0])
            .ToDictionary(group => group.Key, group => group.ToArray());
    }

    /// <summary>Decodes ids 0 … <paramref name="vocabularySize"/> − 1 one at a time.</summary>
    public static TokenTextTable Build(int vocabularySize, Func<IEnumerable<int>, string> decode) =>
        new(Enumerable.Range(0, vocabularySize).Select(id => decode([id])).ToArray());

    public IReadOnlyList<string> Texts { get; }

    public int Count => Texts.Count;

    /// <summary>Token ids grouped by their text's first character (tokens that decode to nothing are left out).</summary>
    public IReadOnlyDictionary<char, int[]> ByFirstCharacter => _byFirstCharacter;
}
