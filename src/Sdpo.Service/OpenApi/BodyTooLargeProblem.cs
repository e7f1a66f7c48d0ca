using Microsoft.AspNetCore.Mvc;

namespace Sdpo.Service.OpenApi;

/// <summary>The problem a request body over its configured limit is answered with (413): <c>limitBytes</c> is the limit,
/// and the detail names the setting that holds it.</summary>
public sealed class BodyTooLargeProblem : ProblemDetails
{
    /// <summary>The largest body the endpoint takes, in bytes.</summary>
    public int LimitBytes { get; init; }

    public static BodyTooLargeProblem Example => new()
    {
        Status = StatusCodes.Status413PayloadTooLarge,
        Title = "The request body is too large",
        Detail = "The request body is larger than the limit of 1048576 bytes (Service:MaxRequestBodyBytes).",
        LimitBytes = 1024 * 1024,
    };
}
