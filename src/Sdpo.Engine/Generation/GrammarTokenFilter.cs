using Sdpo.Contracts;
using static TorchSharp.torch;

namespace Sdpo.Engine.Generation;

/// <summary>
/// Which tokens may follow a text under an answer grammar: an ordinary token when the text with the token's text
/// appended is still a viable prefix, a stop token when the text is already a complete answer. Assumes a
/// sequence's text is the concatenation of its tokens' texts, as for byte-level BPE and character vocabularies.
/// Where nothing is allowed (a grammar that got stuck) the stop tokens are, so the attempt ends and the verifier
/// judges it; without stop tokens, everything is.
/// </summary>
public sealed class GrammarTokenFilter(IAnswerGrammar grammar, TokenTextTable tokens, IReadOnlyList<int> stopTokenIds)
{
    private readonly HashSet<int> _stops = [.. stopTokenIds];

    /// <summary>One flag per vocabulary id: may it come next after <paramref name="text"/>?</summary>
    public bool[] Allowed(string text)
    {
        var allowed = new bool[tokens.Count];
        var any = false;
        foreach (var (first, ids) in tokens.ByFirstCharacter)
        {
            // Prefix-closed: if text + first character is dead, so is every token that starts with it.
            if (!grammar.IsViablePrefix(text + first)) continue;
            foreach (var id in ids)
            {
                if (_stops.Contains(id)) continue;
                var tokenText = tokens.Texts[id];
                if (tokenText.Length == 1 || grammar.IsViablePrefix(text + tokenText)) allowed[id] = any = true;
            }
        }
        var complete = grammar.IsComplete(text);
        foreach (var stop in _stops)
            if (stop >= 0 && stop < allowed.Length && (complete || !any)) allowed[stop] = true;
        if (!Array.Exists(allowed, flag => flag)) Array.Fill(allowed, true);
        return allowed;
    }

    /// <summary>At each position of a continuation, the tokens that were allowed there (what a constrained sampler could draw).</summary>
    public bool[][] AllowedAlong(IReadOnlyList<int> continuation, Func<IEnumerable<int>, string> decode) =>
        Enumerable.Range(0, continuation.Count).Select(t => Allowed(decode(continuation.Take(t)))).ToArray();

    /// <summary>[N, width, vocab] true where a row's position allowed a token; positions past a row's length allow everything.</summary>
    public static Tensor Mask(IReadOnlyList<bool[][]> allowed, long width, int vocabularySize, Device device)
    {
        var flags = new bool[allowed.Count * width * vocabularySize];
        Array.Fill(flags, true);
        for (var row = 0; row < allowed.Count; row++)
            for (var t = 0; t < allowed[row].Length; t++)
                Array.Copy(allowed[row][t], 0, flags, (row * width + t) * vocabularySize, Math.Min(vocabularySize, allowed[row][t].Length));
        return tensor(flags, [allowed.Count, width, vocabularySize], device: device);
    }
}
