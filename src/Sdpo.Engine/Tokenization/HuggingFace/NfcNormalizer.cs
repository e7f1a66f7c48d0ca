using System.Text;
using Microsoft.ML.Tokenizers;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>Unicode NFC, as the <c>{"type": "NFC"}</c> normalizer of a tokenizer.json (the library has none).</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public static readonly NfcNormalizer Instance = new();

    public override string Normalize(string original) =>
        original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
