using System.ComponentModel.DataAnnotations;

namespace Sdpo.Service.Benchmarks;

/// <summary>Limits and pacing of benchmarks (section "Benchmarks").</summary>
public sealed class BenchmarkOptions
{
    public const string SectionName = "Benchmarks";

    /// <summary>Most candidate problems one benchmark may have.</summary>
    [Range(1, 100_000)] public int MaxProblems { get; set; } = 1000;

    /// <summary>Most seeds per problem.</summary>
    [Range(1, 10_000)] public int MaxSeeds { get; set; } = 100;

    /// <summary>Most runs (problems × methods × seeds) one benchmark may plan.</summary>
    [Range(1, 10_000_000)] public int MaxRuns { get; set; } = 20_000;

    /// <summary>Largest accepted request body or JSONL upload.</summary>
    [Range(1024, 1024 * 1024 * 1024)] public int MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Runs one benchmark keeps queued or running at once, so that it leaves room in the queue for others.</summary>
    [Range(1, 100_000)] public int MaxOutstandingRuns { get; set; } = 8;

    /// <summary>How often the coordinator looks at its runs when nothing wakes it.</summary>
    [Range(1, 60_000)] public int PollMilliseconds { get; set; } = 250;
}
