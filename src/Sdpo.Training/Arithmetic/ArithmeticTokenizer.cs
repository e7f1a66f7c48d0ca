using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.HuggingFace;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// The embedded model's vocabulary: one token per printable ASCII character and newline (plus the 256 single
/// bytes, so any text still encodes) and an end-of-text token that ends every answer.
/// </summary>
public static class ArithmeticTokenizer
{
    public const string EndOfText = "<|endoftext|>";

    public static ByteLevelBpeDefinition Definition() =>
        CharacterTokenizerBuilder.Build("\n" + new string(Enumerable.Range(32, 95).Select(c => (char)c).ToArray()), new[] { EndOfText });

    public static HuggingFaceBpeTokenizer Create(ByteLevelBpeDefinition definition)
    {
        int eos = definition.AddedTokens.Single(t => t.Content == EndOfText).Id;
        return HuggingFaceBpeTokenizer.Create(definition, bosTokenId: null, stopTokenIds: new[] { eos });
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json (plain text: the model has no chat template).</summary>
    public static void Save(string folder, ByteLevelBpeDefinition definition) =>
        TokenizerFolderWriter.Save(folder, definition, EndOfText, chatTemplate: null);
}
