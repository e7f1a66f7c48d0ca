using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Sdpo.Service.Api;

/// <summary>The ProblemDetails answers shared by the endpoints.</summary>
public static class RunProblems
{
    public static NotFound<ProblemDetails> RunNotFound(Guid id) => TypedResults.NotFound(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Run not found",
        Detail = $"No run has id {id}.",
    });

    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The request is invalid: {field}");
}
