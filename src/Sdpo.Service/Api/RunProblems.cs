using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Api;

/// <summary>The ProblemDetails answers shared by the endpoints.</summary>
public static class RunProblems
{
    public static ProblemHttpResult RunNotFound(Guid id) =>
        TypedResults.Problem(title: "Run not found", detail: $"No run has id {id}.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>503 for a request that needs a model when none can serve it: the named model failed to load or is still
    /// loading (naming it, with a Retry-After: soon while it loads, else <paramref name="retryAfterSeconds"/>), or no model
    /// is configured (<see cref="ServiceUnavailableException"/>).</summary>
    public static ProblemHttpResult ModelUnavailable(HttpResponse response, Exception ex, int retryAfterSeconds)
    {
        if (ex is not ModelUnavailableException unavailable)
            return TypedResults.Problem(title: "No model is available", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        response.Headers.RetryAfter = (unavailable.Loading ? 2 : retryAfterSeconds).ToString();
        return TypedResults.Problem(
            title: $"Model '{unavailable.Model}' is not available", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["model"] = unavailable.Model, ["state"] = unavailable.Loading ? "loading" : "failed" });
    }

    /// <summary>413 for a body over its limit, naming the limit in bytes and the setting that holds it.</summary>
    public static ProblemHttpResult TooLarge(RequestBodyTooLargeException ex) =>
        TypedResults.Problem(title: "The request body is too large", detail: ex.Message, statusCode: StatusCodes.Status413PayloadTooLarge,
            extensions: new Dictionary<string, object?> { ["limitBytes"] = ex.Limit });

    /// <summary>ASP.NET Core gives a problem's type (the RFC section of its status) for the statuses of RFC 9110 only; 429 is
    /// RFC 6585's. Filled in where no type was set, so every problem response has one.</summary>
    public static void FillType(ProblemDetails problem)
    {
        if (problem.Type is null && problem.Status == StatusCodes.Status429TooManyRequests)
            problem.Type = "https://tools.ietf.org/html/rfc6585#section-4";
    }

    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The request is invalid: {field}");
}
