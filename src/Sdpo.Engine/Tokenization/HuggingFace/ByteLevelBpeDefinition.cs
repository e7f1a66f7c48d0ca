namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>
/// Everything that defines a byte-level BPE tokenizer as stored in a Hugging Face <c>tokenizer.json</c>:
/// the vocabulary (keys in the GPT-2 byte-to-character mapping, so a space is <c>Ġ</c>), the merges in
/// priority order, the added tokens, the pre-tokenizer's split pattern and the normalisation.
/// </summary>
/// <param name="SplitPattern">Regex whose matches are the pre-tokens (each match isolated, as HF's
/// <c>Split</c> with behavior <c>Isolated</c>); null means the text is not split, apart from added tokens.</param>
/// <param name="NormalizeNfc">Whether text is NFC-normalised before encoding (Qwen: yes).</param>
public sealed record ByteLevelBpeDefinition(
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<BpeMerge> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    string? SplitPattern,
    bool NormalizeNfc)
{
    /// <summary>The split pattern of Qwen2, Qwen2.5 and Qwen3 (the GPT-4 style pattern with single digits).</summary>
    public const string QwenSplitPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pattern HF's <c>ByteLevel</c> pre-tokenizer applies when <c>use_regex</c> is true (GPT-2).</summary>
    public const string Gpt2SplitPattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>One more than the largest id, counting added tokens.</summary>
    public int VocabularySize =>
        Math.Max(Vocabulary.Count == 0 ? 0 : Vocabulary.Values.Max() + 1,
                 AddedTokens.Count == 0 ? 0 : AddedTokens.Max(t => t.Id) + 1);
}

/// <summary>One BPE merge rule: adjacent symbols <paramref name="Left"/> and <paramref name="Right"/> become one.</summary>
public readonly record struct BpeMerge(string Left, string Right);
