using Microsoft.AspNetCore.Http.HttpResults;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Api;

/// <summary>The ProblemDetails answers shared by the endpoints.</summary>
public static class RunProblems
{
    public static ProblemHttpResult RunNotFound(Guid id) =>
        TypedResults.Problem(title: "Run not found", detail: $"No run has id {id}.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>503 for a model that failed to load or is still loading, with a Retry-After: soon while it loads, else
    /// <paramref name="retryAfterSeconds"/>.</summary>
    public static ProblemHttpResult ModelUnavailable(HttpResponse response, ModelUnavailableException ex, int retryAfterSeconds)
    {
        response.Headers.RetryAfter = (ex.Loading ? 2 : retryAfterSeconds).ToString();
        return TypedResults.Problem(
            title: $"Model '{ex.Model}' is not available", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["model"] = ex.Model, ["state"] = ex.Loading ? "loading" : "failed" });
    }

    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The request is invalid: {field}");
}
