namespace Sdpo.Contracts;

/// <summary>One answer the model produced for a problem; <see cref="Index"/> counts attempts from 0.</summary>
public sealed record Attempt(Problem Problem, string Text, int Index = 0);
