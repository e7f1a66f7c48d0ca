using System.Text.Json;
using Sdpo.Engine.Metrics;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>An accepted benchmark: where to follow it.</summary>
public sealed record BenchmarkAccepted(Guid Id, BenchmarkStatus Status, int Problems, string Url, string EventsUrl)
{
    public static BenchmarkAccepted Example => new(
        Guid.Parse("0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c"), BenchmarkStatus.Queued, 3,
        "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c", "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c/events");
}

/// <summary>
/// How far a benchmark has got. Problems: candidates, judged by selection so far, kept. Runs: the benchmark's
/// own runs planned, submitted and ended, attempts they made (ended runs and those in progress), discoveries, and the
/// ended runs that were cancelled. Selection's sampling runs are counted apart: ScreeningRuns those submitted,
/// ScreeningRunsEnded those of them that have ended, ScreeningRunsCancelled those that ended cancelled.
/// </summary>
public sealed record BenchmarkProgress(
    int Candidates, int Screened, int Selected, int RunsPlanned, int RunsSubmitted, int RunsEnded, int ScreeningRuns, long Attempts, int Discoveries,
    int RunsCancelled, int ScreeningRunsEnded, int ScreeningRunsCancelled)
{
    public static BenchmarkProgress Example => new(3, 3, 2, 4, 4, 2, 3, 40, 1, 0, 3, 0);

    /// <summary>The progress from the benchmark's problems and run rows, with the attempts of its own runs in progress.</summary>
    public static BenchmarkProgress Of(IReadOnlyCollection<BenchmarkProblemEntity> problems, bool selectHard, IReadOnlyCollection<BenchmarkRunEntity> runs,
        long attemptsInProgress)
    {
        var main = BenchmarkRunTally.Of(runs, BenchmarkRunEntity.MainPurpose);
        var screening = BenchmarkRunTally.Of(runs, BenchmarkRunEntity.ScreeningPurpose);
        return new BenchmarkProgress(problems.Count, problems.Count(p => p.Selected is not null && selectHard), problems.Count(p => p.Selected == true),
            main.Planned, main.Submitted, main.Ended, screening.Submitted, main.Attempts + attemptsInProgress, main.Discoveries,
            main.Cancelled, screening.Ended, screening.Cancelled);
    }
}

/// <summary>A candidate problem: its spec and label, and what hard-problem selection found.</summary>
public sealed record BenchmarkProblemView(
    int Index, string Label, JsonElement Spec, bool? Selected, int ScreenedSamples, int ScreenedPasses, double? BasePassAtK, string? ScreeningNote)
{
    public static BenchmarkProblemView Example => new(0, "3 5 7 -> 22",
        JsonSerializer.SerializeToElement(new { kind = "arithmetic", numbers = new[] { 3, 5, 7 }, target = 22 }), true, 64, 0, 0, null);
}

/// <summary>
/// A benchmark: status, progress and configuration, its problems, and its results: final once completed,
/// otherwise over the runs that have ended so far (null before the first). See docs/benchmarks.md
/// for the figures; the attempts ratio is defined in the API description of GET /benchmarks/{id}. TeacherAdvantage is
/// the gate measured on the problems once the runs have ended, when the request asked for it.
/// </summary>
public sealed record BenchmarkDetails(
    Guid Id,
    string Name,
    BenchmarkStatus Status,
    string Model,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    BenchmarkProgress Progress,
    BenchmarkRequest Configuration,
    IReadOnlyList<BenchmarkProblemView> Problems,
    BenchmarkReport? Results,
    bool ResultsFinal,
    BenchmarkTeacherAdvantage? TeacherAdvantage,
    string EventsUrl,
    string PlotSvgUrl,
    string PlotPngUrl)
{
    public static BenchmarkDetails Example => new(
        Guid.Parse("0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c"), "arithmetic-mid", BenchmarkStatus.Running, "arithmetic", null,
        DateTimeOffset.Parse("2026-01-01T12:00:00Z"), DateTimeOffset.Parse("2026-01-01T12:00:01Z"), null,
        BenchmarkProgress.Example, BenchmarkRequest.Example, [BenchmarkProblemView.Example], null, false, null,
        "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c/events",
        "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c/plot.svg",
        "/benchmarks/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5c/plot.png");
}
