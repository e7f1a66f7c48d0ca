using System.Text.Json;
using Microsoft.Extensions.Options;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Api;

/// <summary>A case that passed the request's checks: its problem resolved, its answer and failure not yet verified.</summary>
/// <param name="Field">where the case sits in the request (cases[i]), for errors found later</param>
/// <param name="Problem">the case's prompt and verifier</param>
/// <param name="Answer">the answer to score, still to be verified; null for the passing answer nearest to the attempt</param>
/// <param name="Attempt">the failed attempt whose feedback the verifier will give, or null</param>
/// <param name="Feedback">the feedback given instead of an attempt, or null</param>
public sealed record TeacherAdvantageCaseSpec(string Field, ResolvedProblem Problem, string? Answer, string? Attempt, string? Feedback);

/// <summary>A teacher-advantage request that passed every check, with its model's engine.</summary>
public sealed record TeacherAdvantageSubmission(ModelInfo Model, IDiscoveryEngine Engine, bool Constrained, IReadOnlyList<TeacherAdvantageCaseSpec> Cases);

/// <summary>
/// Reads and checks a POST /teacher-advantage body: JSON shape, model, and every case (problem, exactly one of attempt
/// and feedback, an answer unless the verifier can find one near the attempt, a grammar where constrained). Every failure is a <see cref="RequestFieldException"/> naming the
/// field.
/// </summary>
public sealed class TeacherAdvantageReader(IProblemResolver problems, IEngineProvider engines, IOptions<ServiceOptions> options)
{
    /// <summary>Cases one request may hold: each is scored twice on the model's device thread.</summary>
    public const int MaxCases = 256;

    public async Task<TeacherAdvantageSubmission> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(http.Body, http.ContentLength, options.Value.MaxRequestBodyBytes, ServiceOptions.MaxRequestBodyBytesKey,
            "a JSON object with the cases to measure", cancellationToken);
        var request = Parse(body);
        if (request.Cases is not { Count: > 0 } cases) throw new RequestFieldException("cases", "cases must list at least one case: a problem, a correct answer, and an attempt or feedback.");
        if (cases.Count > MaxCases) throw new RequestFieldException("cases", $"A request may hold at most {MaxCases} cases, not {cases.Count}.");

        var specs = new List<TeacherAdvantageCaseSpec>(cases.Count);
        for (var i = 0; i < cases.Count; i++) specs.Add(await CheckAsync(cases[i], $"cases[{i}]", request.Constrained, cancellationToken));
        var model = RequestFields.ConfiguredModel(engines, request.Model);
        var engine = await engines.GetEngineAsync(model, TimeSpan.FromSeconds(options.Value.ModelLoadWaitSeconds), cancellationToken);
        return new TeacherAdvantageSubmission(model, engine, request.Constrained, specs);
    }

    private async Task<TeacherAdvantageCaseSpec> CheckAsync(TeacherAdvantageCase? @case, string field, bool constrained, CancellationToken cancellationToken)
    {
        if (@case is null) throw new RequestFieldException(field, $"{field} must be an object with a problem, an answer, and an attempt or feedback.");
        if (@case.Problem is not { ValueKind: not JsonValueKind.Null } spec) throw new RequestFieldException($"{field}.problem", $"{field}.problem is required.");
        ResolvedProblem problem;
        try
        {
            problem = await problems.ResolveAsync(spec, cancellationToken);
        }
        catch (ProblemSpecException ex)
        {
            var sub = ex.Field.StartsWith("problem", StringComparison.Ordinal) ? ex.Field["problem".Length..] : "." + ex.Field;
            throw new RequestFieldException($"{field}.problem{sub}", $"{field}: {ex.Message}");
        }
        bool hasAttempt = @case.Attempt is not null, hasFeedback = @case.Feedback is not null;
        if (hasAttempt == hasFeedback)
            throw new RequestFieldException(field, $"{field} needs exactly one of attempt (a failed attempt, whose feedback the verifier gives) and feedback.");
        if (@case.Answer is null && !(hasAttempt && problem.Verifier is ISolvingVerifier))
            throw new RequestFieldException($"{field}.answer", problem.Verifier is ISolvingVerifier
                ? $"{field}.answer is required with feedback: the nearest passing answer is found only for an attempt."
                : $"{field}.answer is required: an answer the problem's verifier passes (the '{problem.Verifier.Kind}' verifier cannot find one itself).");
        if (@case.Answer is not null && string.IsNullOrWhiteSpace(@case.Answer))
            throw new RequestFieldException($"{field}.answer", $"{field}.answer is empty.");
        if (hasFeedback && string.IsNullOrWhiteSpace(@case.Feedback)) throw new RequestFieldException($"{field}.feedback", $"{field}.feedback is empty.");
        if (constrained && problem.Verifier is not IGrammarVerifier)
            throw new RequestFieldException("constrained",
                $"constrained needs verifiers that define well-formed answers (arithmetic problems have one); {field}.problem uses the '{problem.Verifier.Kind}' verifier, which has none.");
        return new TeacherAdvantageCaseSpec(field, problem, @case.Answer, @case.Attempt, @case.Feedback);
    }

    private static TeacherAdvantageRequest Parse(byte[] body)
    {
        try
        {
            // Syntax first, so a malformed body is reported as such.
            using var document = JsonDocument.Parse(body);
            RequestFields.CheckText(document.RootElement);
            RequestFields.CheckFields<TeacherAdvantageRequest>(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new RequestFieldException("body", $"The body is not valid JSON: {ex.Message}");
        }
        try
        {
            return JsonSerializer.Deserialize<TeacherAdvantageRequest>(body, ServiceJson.StrictOptions)
                   ?? throw new RequestFieldException("body", "The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw RequestFields.InvalidField(ex);
        }
    }
}
