using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Gate;
using Sdpo.Service.OpenApi;

namespace Sdpo.Service.Api;

/// <summary>POST /teacher-advantage: the check to make before trusting SDPO on a model and a kind of problem.</summary>
public static class TeacherAdvantageApi
{
    public static IEndpointRouteBuilder MapTeacherAdvantageApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/teacher-advantage", MeasureAsync)
            .WithTags("Service")
            .WithName("TeacherAdvantage")
            .WithSummary("How much better the model knows correct answers with a failure's feedback in SDPO's teacher context than without")
            .WithDescription("For each case, the answer must pass the problem's verifier; the feedback comes from the verifier on the " +
                             "case's failed attempt (or is given). The answer is scored after the question alone and after SDPO's teacher " +
                             "context with that feedback (the attempt itself is not in it). SDPO can only help where the difference, " +
                             "in nats, is positive: issue 8's gate asks for at least +1 on average and positive in most cases.")
            .Accepts<TeacherAdvantageRequest>("application/json")
            .ProducesValidationProblem()
            .Produces<BodyTooLargeProblem>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .WithRetryAfter(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<TeacherAdvantageReport>, ValidationProblem, ProblemHttpResult>> MeasureAsync(
        HttpContext http, TeacherAdvantageReader reader, TeacherAdvantageMeter meter, Sdpo.Verifiers.Sandbox.PythonSandbox python,
        IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            var submission = await reader.ReadAsync(http.Request, cancellationToken);
            // Before the answers are verified: one that cannot be run would read as the client's answer failing.
            if (await PythonVerifierGate.RefusalAsync(submission.Cases.Any(c => PythonVerifierGate.UsesPython(c.Problem.Verifier)), python) is { } refused)
                return refused;
            return TypedResults.Ok(await meter.MeasureAsync(submission, cancellationToken));
        }
        catch (RequestFieldException ex)
        {
            return RunProblems.Field(ex.Field, ex.Message);
        }
        catch (RequestBodyTooLargeException ex)
        {
            return RunProblems.TooLarge(ex);
        }
        catch (Exception ex) when (ex is ModelUnavailableException or ServiceUnavailableException)
        {
            return RunProblems.ModelUnavailable(http.Response, ex, options.Value.RetryAfterSeconds);
        }
        catch (TeacherAdvantageFailedException ex)
        {
            return TypedResults.Problem(title: "The engine failed", detail: ex.Message, statusCode: StatusCodes.Status500InternalServerError);
        }
    }
}
