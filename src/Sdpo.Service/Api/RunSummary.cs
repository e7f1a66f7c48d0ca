using Sdpo.Engine.Discovery;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>One run in GET /solve: enough to find it again and see how it went; <c>url</c> has the rest.</summary>
public sealed record RunSummary(
    Guid Id,
    RunStatus Status,
    [property: WireValues(typeof(DiscoveryMethod))] string Method,
    string Model,
    long Seed,
    int Attempts,
    int? AttemptsToDiscovery,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string Url);

/// <summary>A page of runs, newest first; <c>total</c> counts every run the filter matches.</summary>
public sealed record RunPage(int Total, int Offset, int Limit, IReadOnlyList<RunSummary> Items);
