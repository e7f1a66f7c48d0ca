using System.Text;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>
/// Builds the small byte-level BPE tokenizers of self-trained models: every character of an alphabet is one
/// token (multi-byte characters through merges of their UTF-8 bytes, never across characters), plus special
/// tokens. Saved with <see cref="TokenizerFolderWriter"/>, it loads back through <see cref="TokenizerLoader"/>
/// like any Hugging Face tokenizer.json.
/// </summary>
public static class CharacterTokenizerBuilder
{
    /// <summary>End of document, start and end of a ChatML turn.</summary>
    public static readonly IReadOnlyList<string> ChatSpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    /// <param name="alphabet">The characters that get a token each (NFC; duplicates ignored).</param>
    /// <param name="specialTokens">Added after the characters, in order.</param>
    /// <param name="coverAllBytes">Whether ids 0..255 are the 256 single bytes, so any text encodes (characters
    /// outside the alphabet as several byte tokens). Without it the vocabulary holds only the alphabet and
    /// encoding another character throws <see cref="UnencodableTextException"/>.</param>
    public static ByteLevelBpeDefinition Build(string alphabet, IReadOnlyList<string>? specialTokens = null, bool coverAllBytes = true)
    {
        ArgumentNullException.ThrowIfNull(alphabet);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var merges = new List<BpeMerge>();
        var knownMerges = new HashSet<BpeMerge>();
        void AddSymbol(string symbol) => vocabulary.TryAdd(symbol, vocabulary.Count);

        if (coverAllBytes)
        {
            for (var b = 0; b < 256; b++) AddSymbol(ByteLevelAlphabet.SymbolOf((byte)b).ToString());
        }
        foreach (var rune in alphabet.Normalize(NormalizationForm.FormC).EnumerateRunes().Distinct())
        {
            var symbols = ByteLevelAlphabet.Encode(rune.ToString());
            foreach (var symbol in symbols) AddSymbol(symbol.ToString());
            // A chain of merges joins the character's bytes left to right. UTF-8 lead bytes never follow
            // continuation bytes, so no chain can merge across two characters.
            for (var length = 2; length <= symbols.Length; length++)
            {
                var merge = new BpeMerge(symbols[..(length - 1)], symbols[length - 1].ToString());
                if (knownMerges.Add(merge)) merges.Add(merge);
                AddSymbol(symbols[..length]);
            }
        }

        var added = new List<AddedToken>();
        foreach (var token in specialTokens ?? [])
        {
            if (string.IsNullOrEmpty(token)) throw new ArgumentException("A special token cannot be empty.", nameof(specialTokens));
            if (added.Any(t => t.Content == token)) throw new ArgumentException($"Special token {token} is listed twice.", nameof(specialTokens));
            added.Add(new AddedToken(vocabulary.Count + added.Count, token, IsSpecial: true));
        }
        return new ByteLevelBpeDefinition(vocabulary, merges, added, ByteLevelBpeDefinition.QwenSplitPattern, NormalizeNfc: true);
    }

    /// <summary>The distinct characters of a corpus (NFC), in code-point order: an alphabet for <see cref="Build"/>.</summary>
    public static string CollectAlphabet(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var runes = new SortedSet<Rune>();
        foreach (var text in texts)
        {
            foreach (var rune in text.Normalize(NormalizationForm.FormC).EnumerateRunes()) runes.Add(rune);
        }
        return string.Concat(runes.Select(r => r.ToString()));
    }
}
