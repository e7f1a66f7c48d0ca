namespace Sdpo.Engine.Tokenization;

/// <summary>Text holding a character that the tokenizer's vocabulary cannot express (only possible with
/// the small vocabularies of self-trained models that do not cover all 256 bytes).</summary>
public sealed class UnencodableTextException : EngineException
{
    public UnencodableTextException(string character, int index)
        : base($"The text holds {Describe(character)} at index {index}, which the tokenizer's vocabulary cannot encode.")
    {
        Character = character;
        Index = index;
    }

    public string Character { get; }
    public int Index { get; }

    private static string Describe(string character) =>
        $"'{character}' (U+{(char.IsSurrogatePair(character, 0) ? char.ConvertToUtf32(character, 0) : character[0]):X4})";
}
