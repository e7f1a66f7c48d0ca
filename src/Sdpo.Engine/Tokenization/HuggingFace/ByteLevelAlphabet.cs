namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>
/// GPT-2's reversible byte-to-character mapping used by byte-level BPE vocabularies: printable Latin-1 bytes
/// map to themselves, the other 68 bytes to U+0100 and up (space 0x20 becomes 'Ġ', newline 0x0A 'Ċ').
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToSymbol = BuildTable();

    public static char SymbolOf(byte value) => ByteToSymbol[value];

    /// <summary>The vocabulary symbol sequence of a string's UTF-8 bytes.</summary>
    public static string Encode(string text) =>
        new(System.Text.Encoding.UTF8.GetBytes(text).Select(SymbolOf).ToArray());

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
