using Microsoft.AspNetCore.Http.HttpResults;

namespace Sdpo.Service.Api;

/// <summary>The ProblemDetails answers shared by the endpoints.</summary>
public static class RunProblems
{
    public static ProblemHttpResult RunNotFound(Guid id) =>
        TypedResults.Problem(title: "Run not found", detail: $"No run has id {id}.", statusCode: StatusCodes.Status404NotFound);

    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The request is invalid: {field}");
}
