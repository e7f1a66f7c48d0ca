namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>A token matched literally in text before BPE runs (Hugging Face <c>added_tokens</c>).
/// Special ones (<c>&lt;|im_end|&gt;</c>) are control tokens and are dropped when decoding; the others
/// (<c>&lt;think&gt;</c>) are ordinary text that happens to have its own id.</summary>
public sealed record AddedToken(int Id, string Content, bool IsSpecial);
