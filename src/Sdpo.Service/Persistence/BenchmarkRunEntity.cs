namespace Sdpo.Service.Persistence;

/// <summary>
/// One run a benchmark makes through the ordinary queue: a (problem, method, seed) run of the benchmark proper,
/// or a best-of-k sampling segment of hard-problem selection. <see cref="RunId"/> is null until submitted; the
/// outcome fields are copied from the run once it has ended.
/// </summary>
public sealed class BenchmarkRunEntity
{
    public const string MainPurpose = "main";
    public const string ScreeningPurpose = "screen";

    public Guid BenchmarkId { get; set; }
    /// <summary>Submission order within the benchmark.</summary>
    public int Order { get; set; }
    public int ProblemIndex { get; set; }
    public string Purpose { get; set; } = MainPurpose;
    public string Method { get; set; } = "";
    public long Seed { get; set; }
    public int MaxAttempts { get; set; }
    public Guid? RunId { get; set; }
    public DateTimeOffset? SubmittedAt { get; set; }
    /// <summary>The run's final status; null while it has not ended.</summary>
    public RunStatus? Status { get; set; }
    public int Attempts { get; set; }
    public int? AttemptsToDiscovery { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The run's own time on the device: its executions, summed (<see cref="ExecutionTime"/>), not its wait in
    /// the queue nor the time the service was down between them.</summary>
    public double? Seconds { get; set; }
}
