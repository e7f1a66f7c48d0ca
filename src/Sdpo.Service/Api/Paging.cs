using Microsoft.AspNetCore.Http.HttpResults;
using Sdpo.Service.OpenApi;

namespace Sdpo.Service.Api;

/// <summary>The offset and limit of the listing endpoints (GET /solve, its attempts, GET /benchmarks): read from text, so
/// that a bad value is answered with a problem naming it rather than ignored or bound to the framework's bare 400.</summary>
public static class Paging
{
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 50;

    /// <summary>The page asked for, or the 400 naming the bad parameter.</summary>
    public static bool TryRead(string? offset, string? limit, out int skip, out int take, out ValidationProblem? problem)
    {
        take = DefaultPageSize;
        problem = null;
        if (!TryParseInRange(offset, 0, 0, int.MaxValue, out skip))
            problem = RunProblems.Field("offset", "offset must be a non-negative integer.");
        else if (!TryParseInRange(limit, DefaultPageSize, 1, MaxPageSize, out take))
            problem = RunProblems.Field("limit", $"limit must be an integer between 1 and {MaxPageSize}.");
        return problem is null;
    }

    /// <summary>Documents offset and limit as the handlers read them.</summary>
    public static RouteHandlerBuilder WithPaging(this RouteHandlerBuilder builder, string items) => builder
        .WithIntegerQuery("offset", $"How many {items} to skip.", 0, null, 0)
        .WithIntegerQuery("limit", $"How many {items} to return at most.", 1, MaxPageSize, DefaultPageSize);

    private static bool TryParseInRange(string? text, int fallback, int min, int max, out int value)
    {
        value = fallback;
        if (text is null) return true;
        return int.TryParse(text, out value) && value >= min && value <= max;
    }
}
