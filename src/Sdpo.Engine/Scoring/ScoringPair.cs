namespace Sdpo.Engine.Scoring;

/// <summary>A context (prompt) and the continuation whose tokens are scored given it.</summary>
public sealed record ScoringPair(IReadOnlyList<int> Context, IReadOnlyList<int> Continuation);
