using Sdpo.Engine.Discovery;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>The outcome of one method of a run: the main method or a comparison baseline.</summary>
public sealed record MethodResult(
    [property: WireValues(typeof(DiscoveryMethod))] string Method, [property: WireValues("primary", "comparison")] string Role, RunStatus Status, int Attempts, long Tokens, int? AttemptsToDiscovery, string? FailureReason,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, double? DurationMs, AttemptView? PassingAttempt)
{
    public static MethodResult Example => new("best-of-k", "comparison", RunStatus.Exhausted, 64, 576, null, null,
        DateTimeOffset.Parse("2026-01-01T12:00:10Z"), DateTimeOffset.Parse("2026-01-01T12:00:40Z"), 30_000, null);
}

/// <summary>A run: where it stands, what it found, how long it took and the configuration it used. <c>queuePosition</c>:
/// while it waits in its device's queue, its place there (1 = the next run a worker takes); null otherwise.</summary>
public sealed record RunDetails(
    Guid Id,
    RunStatus Status,
    [property: WireValues(typeof(DiscoveryMethod))] string Method,
    string Model,
    string Device,
    long Seed,
    int Attempts,
    long Tokens,
    int Steps,
    long Events,
    int? AttemptsToDiscovery,
    AttemptView? PassingAttempt,
    string? FailureReason,
    string? WaitReason,
    int? QueuePosition,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? QueuedMs,
    double? DurationMs,
    int Executions,
    SolveRequest Configuration,
    IReadOnlyList<MethodResult> Methods,
    string EventsUrl,
    string AttemptsUrl)
{
    public static RunDetails Example => new(
        Guid.Parse("0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b"), RunStatus.Discovered, "sdpo", "qwen3-0.6b", "cpu", 1,
        12, 108, 2, 15, 12, AttemptView.Example with { Passed = true, VerdictStatus = "passed", Feedback = "" }, null, null, null,
        DateTimeOffset.Parse("2026-01-01T12:00:00Z"), DateTimeOffset.Parse("2026-01-01T12:00:01Z"), DateTimeOffset.Parse("2026-01-01T12:00:09Z"),
        1000, 8000, 1, SolveRequest.Example, [MethodResult.Example],
        "/solve/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b/events", "/solve/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b/attempts");
}
