namespace Sdpo.Contracts;

/// <summary>A question put to the model: the prompt text the model sees, and an optional caller id.</summary>
public sealed record Problem(string Prompt, string? Id = null);
