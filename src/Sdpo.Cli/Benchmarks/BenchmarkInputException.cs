namespace Sdpo.Cli.Benchmarks;

/// <summary>A benchmark's input (a model folder, a problem file) is missing or unusable; the message says which and where it was looked for.</summary>
public sealed class BenchmarkInputException(string message) : Exception(message);
