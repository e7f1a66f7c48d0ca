using Microsoft.ML.Tokenizers;

namespace Sdpo.Engine.Tokenization.SentencePiece;

/// <summary>
/// A SentencePiece BPE <c>tokenizer.model</c> (Llama family, llama2.c's tinyllamas) run by
/// Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/>. Encode adds no BOS; callers prepend
/// <see cref="BosTokenId"/>.
/// </summary>
/// <remarks>
/// Known difference from google sentencepiece and llama2.c: where the same merge is possible at two
/// overlapping places (three of one letter in a row, "Sooo") the library merges the rightmost pair first,
/// the reference the leftmost, so such texts can get different (equally decodable) ids.
/// </remarks>
public sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    public const string FileName = "tokenizer.model";

    private readonly LlamaTokenizer _tokenizer;

    private SentencePieceTextTokenizer(LlamaTokenizer tokenizer, int? bosTokenId, IReadOnlyList<int> stopTokenIds)
    {
        _tokenizer = tokenizer;
        BosTokenId = bosTokenId;
        StopTokenIds = stopTokenIds.Distinct().ToArray();
        VocabularySize = tokenizer.Vocabulary.Values.Max() + 1;
    }

    /// <summary>Reads a SentencePiece model; <paramref name="path"/> names the file in errors.</summary>
    /// <param name="useBos">Whether prompts start with the model's BOS (Llama: yes).</param>
    /// <param name="extraStopTokenIds">End-of-text ids from the checkpoint's config files, besides the model's EOS.</param>
    /// <param name="stopAtBos">Whether BOS also ends a generation. llama2.c-trained models (stories260k)
    /// separate training documents with BOS alone and never emit EOS, so a generated BOS is where the story
    /// ends (llama2.c run.c stops there); for other Llama models a generated BOS likewise starts an unrelated
    /// document.</param>
    public static SentencePieceTextTokenizer Load(string path, bool useBos = true, IReadOnlyList<int>? extraStopTokenIds = null, bool stopAtBos = true)
    {
        LlamaTokenizer tokenizer;
        try
        {
            using var stream = File.OpenRead(path);
            tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{path} is not a readable SentencePiece model: {e.Message}", e);
        }

        var stops = new List<int>(extraStopTokenIds ?? []);
        if (tokenizer.EndOfSentenceId >= 0) stops.Add(tokenizer.EndOfSentenceId);
        if (stopAtBos && tokenizer.BeginningOfSentenceId >= 0) stops.Add(tokenizer.BeginningOfSentenceId);
        if (stops.Count == 0) throw new CheckpointException($"{path}: the model defines neither EOS nor BOS, so nothing would end a generation.");
        var size = tokenizer.Vocabulary.Values.Max() + 1;
        foreach (var id in stops.Where(id => id >= size))
            throw new CheckpointException($"{path}: stop token id {id} from the checkpoint's config is outside the vocabulary of {size}.");

        int? bos = useBos && tokenizer.BeginningOfSentenceId >= 0 ? tokenizer.BeginningOfSentenceId : null;
        return new SentencePieceTextTokenizer(tokenizer, bos, stops);
    }

    public int VocabularySize { get; }

    public int? BosTokenId { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: true, considerNormalization: true);
    }

    /// <summary>Control tokens (BOS, EOS) are dropped; byte pieces are joined back into UTF-8 text.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _tokenizer.Decode(ids, considerSpecialTokens: false);
    }
}
