using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace Sdpo.Service.Api;

/// <summary>
/// The detail of the 404 the status-code pages write for a request no endpoint matches: the routes take ids as GUIDs
/// (<c>{id:guid}</c>), so a malformed or abbreviated id (<c>/solve/not-a-guid</c>, <c>/solve/01a2…</c>) matches nothing and
/// would be answered with a bare "Not Found". The detail names the id, or says that no such endpoint exists.
/// </summary>
public static partial class UnmatchedRouteProblems
{
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status != StatusCodes.Status404NotFound || problem.Detail is not null || context.HttpContext.GetEndpoint() is not null) return;
        var request = context.HttpContext.Request;
        var path = request.Path.Value ?? "/";
        if (ResourcePath().Match(path) is { Success: true } match && !Guid.TryParse(match.Groups["id"].Value, out _))
        {
            var what = match.Groups["collection"].Value == "solve" ? "run" : "benchmark";
            var id = Uri.UnescapeDataString(match.Groups["id"].Value);
            problem.Title = $"{char.ToUpperInvariant(what[0])}{what[1..]} not found";
            problem.Detail = $"'{id}' is not a {what} id: ids are whole GUIDs, such as 0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b.";
            problem.Extensions["id"] = id;
            return;
        }
        problem.Detail = $"No endpoint answers {request.Method} {path}; the OpenAPI document at /swagger/v1/swagger.json lists them.";
    }

    [GeneratedRegex("^/(?<collection>solve|benchmarks)/(?<id>[^/]+)(/[^/]*)?$")]
    private static partial Regex ResourcePath();
}
