using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (Qwen2/2.5/3, GPT-2 style, our own small vocabularies) run by
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>: the vocabulary and merges, every added token as a
/// literal split point, the checkpoint's split regex as pre-tokenizer and NFC normalisation reproduce the
/// ids of the reference implementation.
/// </summary>
/// <remarks>
/// Known difference: .NET regexes see a character outside the Basic Multilingual Plane as two UTF-16
/// surrogates, so <c>\p{L}</c>/<c>\p{N}</c> do not match astral letters or digits (CJK Extension B,
/// mathematical alphanumerics) as they do in the Rust reference; text with those may pre-tokenize, and so
/// merge, differently. Emoji and other astral symbols are unaffected.
/// </remarks>
public sealed class HuggingFaceBpeTokenizer : ITextTokenizer
{
    /// <summary>Matches the whole text: used where the checkpoint splits only at added tokens.</summary>
    private const string WholeTextPattern = @"(?s).+";

    private readonly BpeTokenizer _bpe;
    private readonly HashSet<int> _specialIds;
    private readonly Dictionary<string, int> _addedTokenIds;
    private readonly HashSet<char>? _missingByteSymbols;

    private HuggingFaceBpeTokenizer(ByteLevelBpeDefinition definition, int? bosTokenId, IReadOnlyList<int> stopTokenIds)
    {
        Definition = definition;
        VocabularySize = definition.VocabularySize;
        BosTokenId = bosTokenId;
        StopTokenIds = stopTokenIds.Distinct().ToArray();
        _addedTokenIds = definition.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _specialIds = definition.AddedTokens.Where(t => t.IsSpecial).Select(t => t.Id).ToHashSet();

        var missing = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.SymbolOf((byte)b))
            .Where(symbol => !definition.Vocabulary.ContainsKey(symbol.ToString())).ToHashSet();
        _missingByteSymbols = missing.Count == 0 ? null : missing;

        var splitRegex = new Regex(definition.SplitPattern ?? WholeTextPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocabulary)
        {
            Merges = definition.Merges.Select(m => m.Left + " " + m.Right),
            SpecialTokens = _addedTokenIds,
            PreTokenizer = new RegexPreTokenizer(splitRegex, _addedTokenIds),
            Normalizer = definition.NormalizeNfc ? NfcNormalizer.Instance : null,
            ByteLevel = true,
        });
    }

    /// <summary>Builds the tokenizer. <paramref name="bosTokenId"/> is the id callers prepend to a prompt
    /// (null: none, as for Qwen); <paramref name="stopTokenIds"/> end a generation.</summary>
    public static HuggingFaceBpeTokenizer Create(ByteLevelBpeDefinition definition, int? bosTokenId, IReadOnlyList<int> stopTokenIds)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(stopTokenIds);
        if (stopTokenIds.Count == 0) throw new ArgumentException("At least one stop token id is needed.", nameof(stopTokenIds));
        var size = definition.VocabularySize;
        foreach (var id in stopTokenIds.Append(bosTokenId ?? 0))
        {
            if (id < 0 || id >= size)
                throw new ArgumentOutOfRangeException(nameof(stopTokenIds), id, $"Token id outside the vocabulary of {size}.");
        }
        if (definition.Merges.Any(m => m.Left.Contains(' ') || m.Right.Contains(' ')))
            throw new ArgumentException("A byte-level merge symbol cannot hold a plain space.", nameof(definition));
        return new HuggingFaceBpeTokenizer(definition, bosTokenId, stopTokenIds);
    }

    public ByteLevelBpeDefinition Definition { get; }

    public int VocabularySize { get; }

    public int? BosTokenId { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>The id of an added token (<c>&lt;|im_end|&gt;</c>) or vocabulary symbol, or null.</summary>
    public int? TokenToId(string token) =>
        _addedTokenIds.TryGetValue(token, out var id) || Definition.Vocabulary.TryGetValue(token, out id) ? id : null;

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _bpe.EncodeToIds(text);
        if (_missingByteSymbols is not null) EnsureNothingDropped(text, ids);
        return ids;
    }

    /// <summary>Special added tokens are dropped; other added tokens (<c>&lt;think&gt;</c>) are text. Ids
    /// outside the vocabulary (a model's padded embedding rows) are dropped too.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _bpe.Decode(ids.Where(id => !_specialIds.Contains(id)), considerSpecialTokens: true);
    }

    /// <summary>Decodes every id, special tokens included, as the text that encodes back to them.</summary>
    public string DecodeWithSpecialTokens(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _bpe.Decode(ids, considerSpecialTokens: true);
    }

    /// <summary>The library drops bytes that have no vocabulary symbol; a small vocabulary must refuse instead.</summary>
    private void EnsureNothingDropped(string text, IReadOnlyList<int> ids)
    {
        var normalized = Definition.NormalizeNfc ? NfcNormalizer.Instance.Normalize(text) : text;
        if (_bpe.Decode(ids, considerSpecialTokens: true) == normalized) return;

        var withoutAddedTokens = new StringBuilder(normalized);
        foreach (var token in _addedTokenIds.Keys)
            withoutAddedTokens.Replace(token, new string('\0', token.Length));
        var plain = withoutAddedTokens.ToString();
        for (var index = 0; index < plain.Length; index += char.IsSurrogatePair(plain, index) ? 2 : 1)
        {
            if (plain[index] == '\0') continue;
            var character = char.IsSurrogatePair(plain, index) ? plain.Substring(index, 2) : plain[index].ToString();
            if (ByteLevelAlphabet.Encode(character).Any(_missingByteSymbols!.Contains))
                throw new UnencodableTextException(character, index);
        }
        // No character lacks a byte symbol: the difference is not a dropped character (e.g. a lone surrogate
        // became U+FFFD, as it does with a full vocabulary too).
    }
}
