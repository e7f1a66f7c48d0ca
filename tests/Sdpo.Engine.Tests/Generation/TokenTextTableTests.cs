using Sdpo.Engine.Generation;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Engine.Tests.Generation;

public class TokenTextTableTests
{
    /// <summary>Letters a, b, c, … one per id; counts how many ids it was asked to decode.</summary>
    private sealed class CountingTokenizer(int size) : ITextTokenizer
    {
        public int DecodedIds;
        public int VocabularySize => size;
        public int? BosTokenId => null;
        public IReadOnlyList<int> StopTokenIds => [size - 1];
        public IReadOnlyList<int> Encode(string text) => text.Select(c => c - 'a').ToList();

        public string Decode(IEnumerable<int> ids)
        {
            var list = ids.ToList();
            Interlocked.Add(ref DecodedIds, list.Count);
            if (list.Any(id => id < 0 || id >= size)) throw new ArgumentOutOfRangeException(nameof(ids));
            return string.Concat(list.Select(id => (char)('a' + id)));
        }
    }

    [Fact]
    public void ATokenizersTableIsDecodedOnceAndShared()
    {
        var tokenizer = new CountingTokenizer(6);
        var first = TokenTextTable.For(tokenizer, 6);
        var second = TokenTextTable.For(tokenizer, 6);

        Assert.Same(first, second);
        Assert.Equal(6, tokenizer.DecodedIds);
        Assert.Equal(["a", "b", "c", "d", "e", "f"], first.Texts);
        Assert.NotSame(first, TokenTextTable.For(new CountingTokenizer(6), 6));
    }

    [Fact]
    public void AModelWithMoreIdsThanTheTokenizerGetsEmptyTextsForThem()
    {
        var tokenizer = new CountingTokenizer(3);
        var padded = TokenTextTable.For(tokenizer, 5);

        Assert.Equal(["a", "b", "c", "", ""], padded.Texts);
        Assert.DoesNotContain(padded.ByFirstCharacter.Values.SelectMany(ids => ids), id => id >= 3);
        Assert.Equal(3, TokenTextTable.For(tokenizer, 3).Count);
    }
}
