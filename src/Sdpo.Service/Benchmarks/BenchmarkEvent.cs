using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Service.Api;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>A benchmark's progress, as streamed on GET /benchmarks/{id}/events (the SSE event name is
/// <see cref="Name"/>, the data this record as JSON with its "type").</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(BenchmarkQueued), "queued")]
[JsonDerivedType(typeof(BenchmarkPhase), "phase")]
[JsonDerivedType(typeof(BenchmarkRunSubmitted), "submitted")]
[JsonDerivedType(typeof(BenchmarkRunEnded), "run")]
[JsonDerivedType(typeof(BenchmarkProblemScreened), "screened")]
[JsonDerivedType(typeof(BenchmarkTeacherAdvantage), "teacher-advantage")]
[JsonDerivedType(typeof(BenchmarkCompleted), "completed")]
[JsonDerivedType(typeof(BenchmarkFailed), "failed")]
[JsonDerivedType(typeof(BenchmarkCancelled), "cancelled")]
public abstract record BenchmarkEvent
{
    // System.Text.Json reads the attributes of an override, not of what it overrides: each override repeats [JsonIgnore].
    [JsonIgnore] public abstract string Name { get; }
    [JsonIgnore] public virtual bool IsFinal => false;

    public string ToJson() => JsonSerializer.Serialize(this, ServiceJson.Options);

    public BenchmarkEventEntity ToEntity(Guid benchmarkId, long sequence, DateTimeOffset at) => new()
    {
        BenchmarkId = benchmarkId, Sequence = sequence, Name = Name, IsFinal = IsFinal, Payload = ToJson(), CreatedAt = at,
    };
}

/// <summary>
/// Where the benchmark's runs stand. Its own runs: RunsFinished counts every one that has ended, RunsPlanned every one
/// planned (submitted or not), Attempts and Discoveries what the ended ones made and found, RunsCancelled those that
/// ended cancelled. Selection's sampling runs, apart: ScreeningRuns counts those submitted, ScreeningRunsFinished those
/// that have ended, ScreeningRunsCancelled those that ended cancelled.
/// </summary>
public sealed record BenchmarkCounts(int RunsFinished, int RunsPlanned, long Attempts, int Discoveries, int RunsCancelled = 0,
    int ScreeningRuns = 0, int ScreeningRunsFinished = 0, int ScreeningRunsCancelled = 0);

public sealed record BenchmarkQueued(int Problems, IReadOnlyList<string> Methods, int Seeds, int MaxAttempts, bool SelectHard) : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "queued";
}

/// <summary>A phase began: "screening" (hard-problem selection) or "running" (the benchmark's runs).</summary>
public sealed record BenchmarkPhase(string Phase, int Problems, int Runs) : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "phase";
}

/// <summary>A run entered the queue; its attempts stream at <c>eventsUrl</c>. Purpose "main" or "screen".</summary>
public sealed record BenchmarkRunSubmitted(string Purpose, int Problem, string Method, long Seed, int MaxAttempts, Guid RunId, string EventsUrl) : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "submitted";
}

/// <summary>A run ended (status discovered, exhausted, cancelled or failed).</summary>
public sealed record BenchmarkRunEnded(
    string Purpose, int Problem, string Method, long Seed, Guid RunId, RunStatus Status, int Attempts, int? AttemptsToDiscovery, BenchmarkCounts Progress)
    : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "run";
}

/// <summary>Selection judged a problem: n samples, c passes, the pass@k estimate and whether it is kept.</summary>
public sealed record BenchmarkProblemScreened(int Problem, string Label, int Samples, int Passes, int K, double? PassAtK, bool Selected, string? Note)
    : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "screened";
}

/// <summary>
/// The model's teacher advantage on the benchmark's problems (<c>measureTeacherAdvantage</c> in the request):
/// nats by which the model knows a passing answer better with a failure's feedback in SDPO's teacher context than after
/// the question alone, pooled over every failure measured (null when none could be), and per problem.
/// </summary>
/// <param name="MeanNats">mean advantage over every failure measured</param>
/// <param name="PositiveShare">share of those failures whose advantage is above zero</param>
/// <param name="Cases">failures measured</param>
/// <param name="Problems">each selected problem's mean, or the note that says why it has none</param>
/// <param name="Note">why nothing was measured, when nothing could be (the model unavailable)</param>
public sealed record BenchmarkTeacherAdvantage(double? MeanNats, double? PositiveShare, int Cases, IReadOnlyList<BenchmarkProblemAdvantage> Problems,
    string? Note = null)
    : BenchmarkEvent
{
    public const string EventName = "teacher-advantage";
    [JsonIgnore] public override string Name => EventName;
}

/// <summary>One problem's share of the measurement: its failures' mean advantage, or why it has none.</summary>
public sealed record BenchmarkProblemAdvantage(int Problem, string Label, double? MeanNats, int Cases, string? Note);

/// <summary>Per method: completed runs, discoveries and discovery@budget (null when no run completed).</summary>
public sealed record BenchmarkMethodSummary(string Method, int Runs, int Discoveries, double? DiscoveryAtBudget, double? MeanAttemptsToDiscovery);

/// <summary>The end of a benchmark: each method's summary, each method's attempts ratio and wall-time ratio against
/// best-of-k in <c>ratios</c> (keyed by method; see the results' attemptsRatios), and where the full results are.
/// <c>attemptsRatio</c> and <c>wallTimeRatio</c> are those of the first method other than best-of-k in
/// the request's order, as before <c>ratios</c> existed; <c>ratiosMethod</c> names it (the three are null
/// in events saved before these were added, or without best-of-k).</summary>
public sealed record BenchmarkCompleted(IReadOnlyList<BenchmarkMethodSummary> Methods, double? AttemptsRatio, string ResultsUrl, double? WallTimeRatio = null,
    string? RatiosMethod = null, IReadOnlyDictionary<string, BenchmarkMethodRatios>? Ratios = null)
    : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "completed";
    [JsonIgnore] public override bool IsFinal => true;
}

/// <summary>One method's attempts ratio and wall-time ratio against best-of-k (null as in the results' attemptsRatios).</summary>
public sealed record BenchmarkMethodRatios(double? AttemptsRatio, double? WallTimeRatio);

public sealed record BenchmarkFailed(string Reason) : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "failed";
    [JsonIgnore] public override bool IsFinal => true;
}

/// <summary>The benchmark ended cancelled, once every run it submitted had ended: RunsFinished of its own runs, and the
/// counts of all its runs (null in events saved before they were added).</summary>
public sealed record BenchmarkCancelled(int RunsFinished, BenchmarkCounts? Progress = null) : BenchmarkEvent
{
    [JsonIgnore] public override string Name => "cancelled";
    [JsonIgnore] public override bool IsFinal => true;
}
