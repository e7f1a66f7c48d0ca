namespace Sdpo.Service.Persistence;

/// <summary>A benchmark over a problem set: its normalised request, where it stands and, once complete, its report.</summary>
public sealed class BenchmarkEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public BenchmarkStatus Status { get; set; }
    public string Model { get; set; } = "";
    /// <summary>The normalised request without its problems (those are rows of their own).</summary>
    public string RequestJson { get; set; } = "";
    /// <summary>The final report, saved when the benchmark completes.</summary>
    public string? ResultJson { get; set; }
    public string? FailureReason { get; set; }
    public bool CancelRequested { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public List<BenchmarkProblemEntity> Problems { get; set; } = [];
}

/// <summary>Where a benchmark stands.</summary>
public enum BenchmarkStatus
{
    Queued,
    /// <summary>Estimating each candidate's base-model pass@k to keep only hard problems.</summary>
    Screening,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public static class BenchmarkStatusExtensions
{
    public static bool IsFinished(this BenchmarkStatus status) =>
        status is BenchmarkStatus.Completed or BenchmarkStatus.Failed or BenchmarkStatus.Cancelled;
}
