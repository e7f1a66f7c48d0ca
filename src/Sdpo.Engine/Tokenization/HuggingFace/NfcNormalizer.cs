using System.Text;
using Microsoft.ML.Tokenizers;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>Unicode NFC, as the <c>{"type": "NFC"}</c> normalizer of a tokenizer.json (the library has none).
/// A lone UTF-16 surrogate, which the reference's UTF-8 strings cannot hold and .NET's normaliser rejects,
/// becomes U+FFFD, as it would in UTF-8.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public static readonly NfcNormalizer Instance = new();

    public override string Normalize(string original)
    {
        var valid = ReplaceLoneSurrogates(original);
        return valid.IsNormalized(NormalizationForm.FormC) ? valid : valid.Normalize(NormalizationForm.FormC);
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    private static string ReplaceLoneSurrogates(string text)
    {
        StringBuilder? fixedText = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i))
            {
                fixedText?.Append(text, i, 2);
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                fixedText ??= new StringBuilder(text, 0, i, text.Length);
                fixedText.Append('\uFFFD');
            }
            else
            {
                fixedText?.Append(text[i]);
            }
        }
        return fixedText?.ToString() ?? text;
    }
}
