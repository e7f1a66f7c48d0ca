using Microsoft.AspNetCore.Http.HttpResults;
using Sdpo.Service.OpenApi;

namespace Sdpo.Service.Api;

/// <summary>
/// DELETE's purge= (DELETE /solve/{id}, DELETE /benchmarks/{id}): the client's explicit wish to delete an ended run's or
/// benchmark's records. Without it DELETE only cancels, so a cancel that meets the natural end, or a retried one, cannot
/// destroy what it meant to stop. Read from text ("true" or "false") so that anything else is a problem naming it.
/// </summary>
public static class PurgeParameter
{
    private static readonly IReadOnlyList<string> Values = ["true", "false"];

    /// <summary>Whether purge=true was asked for, or the 400 naming the values.</summary>
    public static bool TryRead(string? text, out bool purge, out ValidationProblem? problem)
    {
        purge = text == "true";
        problem = text is null || Values.Contains(text) ? null : RunProblems.Field("purge", $"purge must be true or false; got '{text}'.");
        return problem is null;
    }

    /// <summary>Documents purge as the handlers read it.</summary>
    public static RouteHandlerBuilder WithPurge(this RouteHandlerBuilder builder, string what) =>
        builder.WithEnumQuery("purge", $"true deletes the ended {what} and everything it made, for good; without it DELETE only cancels.", Values);
}
