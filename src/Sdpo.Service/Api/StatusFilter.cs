using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sdpo.Service.OpenApi;

namespace Sdpo.Service.Api;

/// <summary>The status= filter of the listing endpoints (GET /solve, GET /benchmarks): read from text exactly as the API
/// writes a status ("discovered", not "Discovered" or "3"), so that anything else is answered with a problem naming the
/// statuses rather than bound leniently or to the framework's bare 400.</summary>
public static class StatusFilter
{
    /// <summary>The status asked for (null when none is), or the 400 naming the statuses.</summary>
    public static bool TryRead<TStatus>(string? text, out TStatus? status, out ValidationProblem? problem) where TStatus : struct, Enum
    {
        status = null;
        problem = null;
        if (text is null) return true;
        if (Names<TStatus>.ByName.TryGetValue(text, out var found)) status = found;
        else problem = RunProblems.Field("status", $"status must be one of {string.Join(", ", Names<TStatus>.ByName.Keys)}; got '{text}'.");
        return problem is null;
    }

    /// <summary>Documents status as the handlers read it: one of the statuses, as the API writes them.</summary>
    public static RouteHandlerBuilder WithStatusFilter<TStatus>(this RouteHandlerBuilder builder, string items) where TStatus : struct, Enum =>
        builder.WithEnumQuery("status", $"Only the {items} of this status.", Names<TStatus>.ByName.Keys.ToList(), typeof(TStatus));

    /// <summary>Each status by the name the API writes it with, in the enum's order.</summary>
    private static class Names<TStatus> where TStatus : struct, Enum
    {
        public static readonly IReadOnlyDictionary<string, TStatus> ByName = Enum.GetValues<TStatus>()
            .ToDictionary(s => JsonSerializer.SerializeToElement(s, ServiceJson.Options).GetString()!, StringComparer.Ordinal);
    }
}
