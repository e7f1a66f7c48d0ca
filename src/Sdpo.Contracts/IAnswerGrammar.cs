namespace Sdpo.Contracts;

/// <summary>
/// The shape of a well-formed answer, as a test on text, so that sampling can be restricted to answers the
/// verifier can judge on their merits (constrained decoding). Both tests must be prefix-closed in the usual way:
/// every prefix of a viable prefix is viable, and a complete answer is a viable prefix. Implementations must be
/// pure and safe to call concurrently.
/// </summary>
public interface IAnswerGrammar
{
    /// <summary>Whether <paramref name="text"/> can still be extended into a complete answer (the empty text always can).</summary>
    bool IsViablePrefix(string text);

    /// <summary>Whether <paramref name="text"/> is a complete answer, so the attempt may end here.</summary>
    bool IsComplete(string text);
}
