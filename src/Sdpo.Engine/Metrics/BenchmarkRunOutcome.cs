namespace Sdpo.Engine.Metrics;

/// <summary>
/// How one benchmark run, one (problem, method, seed), ended. <see cref="AttemptsToDiscovery"/> is the 1-based
/// number of the first passing attempt, null when the budget ran out first. A run that did not complete
/// (failed or cancelled) says nothing about discovery and is left out of the statistics, only counted.
/// </summary>
public sealed record BenchmarkRunOutcome(
    string ProblemId, string Method, long Seed, int? AttemptsToDiscovery, int Attempts, bool Completed = true, double? Seconds = null);

/// <summary>A problem of a benchmark as its report lists it; <see cref="BasePassAtK"/> comes from hard-problem selection.</summary>
public sealed record BenchmarkProblem(string Id, string? Label = null, double? BasePassAtK = null);
