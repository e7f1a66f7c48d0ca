namespace Sdpo.Engine.Tokenization;

/// <summary>Text to token ids and back, for one checkpoint. Implementations are immutable and thread-safe.</summary>
public interface ITextTokenizer
{
    int VocabularySize { get; }

    int? BosTokenId { get; }

    /// <summary>The ids that end a generation (EOS, end-of-turn); never empty for a usable tokenizer.</summary>
    IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>Encodes text exactly as written (special-token strings in it become their ids); adds no BOS.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes ids to text; special tokens other than those that are text (none by default) are dropped.</summary>
    string Decode(IEnumerable<int> ids);
}
