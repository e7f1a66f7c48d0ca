using System.Text.Json;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Api;

/// <summary>A request that passed every check, with its defaults filled in.</summary>
public sealed record SolveSubmission(SolveRequest Request, ResolvedProblem Problem, ModelInfo Model);

/// <summary>
/// Reads and checks a POST /solve body before anything is queued: size, JSON shape, problem, options (with the
/// engine's own Validate methods), model, and the prompt against the model's context. SDPO fields the request
/// leaves out take the model's recommended defaults. Every failure is a
/// <see cref="RequestFieldException"/> naming the field.
/// </summary>
public sealed class SolveRequestReader(IProblemResolver problems, IEngineProvider engines, IOptions<ServiceOptions> options)
{
    public async Task<SolveSubmission> ReadAsync(HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(httpRequest.Body, httpRequest.ContentLength, options.Value.MaxRequestBodyBytes, ServiceOptions.MaxRequestBodyBytesKey,
            "a JSON object with at least a problem", cancellationToken);
        var (request, sdpoFields) = Parse(body);

        if (request.Problem is not { } problemJson || problemJson.ValueKind == JsonValueKind.Null)
            throw new RequestFieldException("problem", "problem is required.");
        ResolvedProblem problem;
        try
        {
            problem = await problems.ResolveAsync(problemJson, cancellationToken);
        }
        catch (ProblemSpecException ex)
        {
            throw new RequestFieldException(ex.Field, ex.Message);
        }

        var normalized = request with
        {
            Budget = request.Budget ?? new DiscoveryBudget(),
            Sampling = request.Sampling ?? new AttemptSampling(),
            Sdpo = request.Sdpo ?? new SdpoOptions(),
            CompareWith = request.CompareWith ?? [],
        };
        RequestFields.ValidateOptions("budget", normalized.Budget.Validate);
        RequestFields.CheckMaxAttempts("budget.maxAttempts", normalized.Budget.MaxAttempts, options.Value);
        RequestFields.ValidateOptions("sampling", normalized.Sampling.Validate);
        RequestFields.ValidateOptions("sdpo", normalized.Sdpo.Validate);
        RequestFields.CheckConstrained(normalized.Sampling, problem.Verifier, "problem");
        RequestFields.CheckDistinctEquivalence(normalized.Sampling, problem.Verifier, "problem");
        CheckComparisons(normalized);

        var model = RequestFields.ConfiguredModel(engines, request.Model);
        normalized = normalized with { Model = model.Name };

        var engine = await engines.GetEngineAsync(model, TimeSpan.FromSeconds(options.Value.ModelLoadWaitSeconds), cancellationToken);
        normalized = normalized with { Sdpo = RequestFields.SdpoOverModel(engine.SdpoDefaults, sdpoFields) };
        CheckContext(engine, problem.Problem.Prompt, normalized.Sampling.MaxNewTokens);
        RequestFields.CheckLoraLayers(normalized.Sdpo!, engine);
        RequestFields.CheckLoraModules(normalized.Sdpo!, engine);
        return new SolveSubmission(normalized, problem, model);
    }

    /// <summary>The request, and its "sdpo" object as sent.</summary>
    private static (SolveRequest, JsonElement?) Parse(byte[] body)
    {
        // Syntax first, so that a malformed body is reported as such rather than as the field it broke off in.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new RequestFieldException("body", $"The body is not valid JSON: {ex.Message}");
        }
        JsonElement? sdpoFields;
        using (document)
        {
            RequestFields.CheckText(document.RootElement);
            sdpoFields = RequestFields.SdpoFieldsOf(document.RootElement);
            // The SDPO options' own messages first (an unknown option lists the options), then every other field's.
            RequestFields.CheckSdpoFields(sdpoFields);
            RequestFields.CheckFields<SolveRequest>(document.RootElement);
        }
        try
        {
            return (JsonSerializer.Deserialize<SolveRequest>(body, ServiceJson.StrictOptions)
                    ?? throw new RequestFieldException("body", "The request body must be a JSON object."), sdpoFields);
        }
        catch (JsonException ex) when (ex.Path is null or "$" && !RequestFields.IsUnknownField(ex))
        {
            throw new RequestFieldException("body", $"The body is not a solve request: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw RequestFields.InvalidField(ex, field => field.EndsWith("method", StringComparison.Ordinal) || field.StartsWith("compareWith", StringComparison.Ordinal)
                ? $"methods are {DiscoveryMethodNames.All}"
                : null);
        }
    }

    private static void CheckComparisons(SolveRequest request)
    {
        var seen = new HashSet<DiscoveryMethod>();
        foreach (var baseline in request.CompareWith!)
        {
            if (baseline == request.Method)
                throw new RequestFieldException("compareWith", $"compareWith repeats the main method '{baseline.ToWire()}'.");
            if (!seen.Add(baseline))
                throw new RequestFieldException("compareWith", $"compareWith lists '{baseline.ToWire()}' twice.");
        }
    }

    private static void CheckContext(IDiscoveryEngine engine, string prompt, int maxNewTokens)
    {
        int promptTokens;
        try
        {
            promptTokens = engine.CountPromptTokens(prompt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new RequestFieldException("problem.prompt", $"The prompt cannot be tokenized for model '{engine.ModelName}': {ex.Message}");
        }
        if (promptTokens > engine.ContextLength)
            throw new RequestFieldException("problem.prompt",
                $"The prompt takes {promptTokens} tokens but model '{engine.ModelName}' has a context of {engine.ContextLength}.");
        if (promptTokens + maxNewTokens > engine.ContextLength)
            throw new RequestFieldException("sampling.maxNewTokens",
                $"The prompt ({promptTokens} tokens) plus sampling.maxNewTokens ({maxNewTokens}) exceeds the context of model '{engine.ModelName}' ({engine.ContextLength} tokens).");
    }
}

/// <summary>The service cannot take the request for a reason of its own (no model is configured): 503.</summary>
public sealed class ServiceUnavailableException(string message) : Exception(message);
