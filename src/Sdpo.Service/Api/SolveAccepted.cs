using Sdpo.Service.Persistence;

namespace Sdpo.Service.Api;

/// <summary>A queued run: where to follow it.</summary>
public sealed record SolveAccepted(Guid Id, RunStatus Status, string Url, string EventsUrl)
{
    public static SolveAccepted Example => new(
        Guid.Parse("0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b"), RunStatus.Queued,
        "/solve/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b", "/solve/0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b/events");
}
