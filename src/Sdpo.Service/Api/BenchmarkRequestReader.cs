using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Reports.Suites;
using Sdpo.Service.Configuration;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Problems;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Service.Api;

/// <summary>A problem of a benchmark as submitted: its spec (as /solve takes it) and a short label.</summary>
public sealed record BenchmarkProblemSpec(JsonElement Spec, string Label);

/// <summary>A benchmark request that passed every check, defaults filled in and problems listed.</summary>
public sealed record BenchmarkSubmission(BenchmarkRequest Request, IReadOnlyList<BenchmarkProblemSpec> Problems, ModelInfo Model);

/// <summary>
/// Reads and checks a POST /benchmarks request before anything is stored: JSON body, multipart upload
/// (part "request" with the options, part "problems" with JSONL) or an application/x-ndjson body of problems
/// with the options in the query string. Every problem is resolved and fitted to the model's context up
/// front. Every failure is a <see cref="RequestFieldException"/> naming the field.
/// </summary>
public sealed class BenchmarkRequestReader(IProblemResolver problems, IEngineProvider engines, IOptions<BenchmarkOptions> options, IOptions<ServiceOptions> service)
{
    public const string DefaultName = "benchmark";
    public const int DefaultPassK = 64;
    private const string BodyLimitSetting = $"{BenchmarkOptions.SectionName}:{nameof(BenchmarkOptions.MaxBodyBytes)}";
    /// <summary>The media types of a body of problems, one JSON spec a line; the endpoint takes each (POST /benchmarks' Accepts).</summary>
    public static readonly string[] NdjsonTypes = ["application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/ndjson"];
    /// <summary>The query options a JSONL body's request takes (the document describes each).</summary>
    public static readonly string[] QueryOptions =
        ["name", "methods", "seeds", "maxAttempts", "attemptsPerStep", "chains", "model", "selectHard", "samples", "k", "constrained", "distinctAttempts",
         "distinctEquivalence", "measureTeacherAdvantage"];

    public async Task<BenchmarkSubmission> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        BenchmarkRequest request;
        IReadOnlyList<JsonElement>? uploaded = null;
        JsonElement? sdpoFields = null;
        var mediaType = http.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "application/json";
        if (mediaType == "multipart/form-data")
        {
            (request, sdpoFields, uploaded) = await ReadMultipartAsync(http, limits.MaxBodyBytes, cancellationToken);
        }
        else if (NdjsonTypes.Contains(mediaType))
        {
            request = FromQuery(http.Query);
            uploaded = ParseJsonLines(Encoding.UTF8.GetString(await RequestBody.ReadAsync(http.Body, http.ContentLength, limits.MaxBodyBytes, BodyLimitSetting,
                "a benchmark request (problems or a suite)", cancellationToken)));
        }
        else
        {
            (request, sdpoFields) = Parse(await RequestBody.ReadAsync(http.Body, http.ContentLength, limits.MaxBodyBytes, BodyLimitSetting,
                "a benchmark request (problems or a suite)", cancellationToken));
        }
        return await CheckAsync(request, uploaded, sdpoFields, cancellationToken);
    }

    /// <summary>Checks a parsed request; <paramref name="uploaded"/> holds problems that came as JSONL and
    /// <paramref name="sdpoFields"/> the request's "sdpo" object as sent, laid over the model's defaults.</summary>
    private async Task<BenchmarkSubmission> CheckAsync(BenchmarkRequest request, IReadOnlyList<JsonElement>? uploaded, JsonElement? sdpoFields, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        int sources = (request.Problems is not null ? 1 : 0) + (request.Suite is not null ? 1 : 0) + (uploaded is not null ? 1 : 0);
        if (sources == 0) throw new RequestFieldException("problems", "Give the problems: a problems list, a suite, or a JSONL upload.");
        if (sources > 1) throw new RequestFieldException("problems", "Give the problems one way only: a problems list, a suite, or a JSONL upload.");

        var specs = request.Suite is { } suite ? SuiteProblems(suite, limits) : (request.Problems ?? uploaded)!;
        if (specs.Count == 0) throw new RequestFieldException("problems", "The problem list is empty.");
        if (specs.Count > limits.MaxProblems)
            throw new RequestFieldException("problems", $"A benchmark may have at most {limits.MaxProblems} problems, not {specs.Count}.");

        var methods = request.Methods ?? [DiscoveryMethod.Sdpo, DiscoveryMethod.BestOfK];
        if (methods.Count == 0) throw new RequestFieldException("methods", $"methods must name at least one of {DiscoveryMethodNames.All}.");
        if (methods.Distinct().Count() != methods.Count) throw new RequestFieldException("methods", "methods lists a method twice.");
        var seeds = request.Seeds ?? 1;
        if (seeds < 1 || seeds > limits.MaxSeeds) throw new RequestFieldException("seeds", $"seeds must be between 1 and {limits.MaxSeeds}.");

        var normalized = request with
        {
            Problems = null,
            Methods = methods,
            Seeds = seeds,
            Budget = request.Budget ?? new DiscoveryBudget(),
            Sampling = request.Sampling ?? new AttemptSampling(),
            Sdpo = request.Sdpo ?? new SdpoOptions(),
            Name = string.IsNullOrWhiteSpace(request.Name) ? request.Suite?.Name ?? DefaultName : request.Name.Trim(),
            SelectHard = request.SelectHard is { } selection ? CheckSelection(selection) : null,
        };
        RequestFields.ValidateOptions("budget", normalized.Budget.Validate);
        RequestFields.CheckMaxAttempts("budget.maxAttempts", normalized.Budget.MaxAttempts, service.Value);
        // Hard-problem selection's sampling runs are budgeted up to the samples still to draw.
        if (normalized.SelectHard is { } hard) RequestFields.CheckMaxAttempts("selectHard.samples", hard.Samples, service.Value);
        RequestFields.ValidateOptions("sampling", normalized.Sampling.Validate);
        RequestFields.ValidateOptions("sdpo", normalized.Sdpo.Validate);
        long runs = (long)specs.Count * methods.Count * seeds;
        if (runs > limits.MaxRuns)
            throw new RequestFieldException("problems", $"{specs.Count} problems × {methods.Count} methods × {seeds} seeds make {runs} runs; the limit is {limits.MaxRuns}.");

        var model = RequestFields.ConfiguredModel(engines, request.Model);
        normalized = normalized with { Model = model.Name };

        var engine = await engines.GetEngineAsync(model, TimeSpan.FromSeconds(service.Value.ModelLoadWaitSeconds), cancellationToken);
        normalized = normalized with { Sdpo = RequestFields.SdpoOverModel(engine.SdpoDefaults, sdpoFields) };
        RequestFields.CheckLoraLayers(normalized.Sdpo!, engine);
        RequestFields.CheckLoraModules(normalized.Sdpo!, engine);
        var resolved = new List<BenchmarkProblemSpec>(specs.Count);
        for (int i = 0; i < specs.Count; i++)
        {
            var field = $"problems[{i}]";
            ResolvedProblem problem;
            try
            {
                problem = await problems.ResolveAsync(specs[i], cancellationToken);
            }
            catch (ProblemSpecException ex)
            {
                var sub = ex.Field.StartsWith("problem", StringComparison.Ordinal) ? ex.Field["problem".Length..] : "." + ex.Field;
                throw new RequestFieldException(field + sub, $"{field}: {ex.Message}");
            }
            CheckContext(engine, problem.Problem.Prompt, normalized.Sampling.MaxNewTokens, field);
            RequestFields.CheckConstrained(normalized.Sampling, problem.Verifier, field);
            RequestFields.CheckDistinctEquivalence(normalized.Sampling, problem.Verifier, field);
            resolved.Add(new BenchmarkProblemSpec(specs[i].Clone(), LabelOf(specs[i], problem, i)));
        }
        return new BenchmarkSubmission(normalized, resolved, model);
    }

    private static HardSelectionRequest CheckSelection(HardSelectionRequest selection)
    {
        if (!(selection.Threshold > 0) || selection.Threshold > 1)
            throw new RequestFieldException("selectHard.threshold", "selectHard.threshold must be in (0, 1] (0.5 keeps hard problems, 0.03 very hard ones).");
        if (selection.Samples < 1 || selection.Samples > DiscoveryBudget.MaxAllowedAttempts)
            throw new RequestFieldException("selectHard.samples", $"selectHard.samples must be between 1 and {DiscoveryBudget.MaxAllowedAttempts}.");
        var k = selection.K ?? Math.Min(DefaultPassK, selection.Samples);
        if (k < 1 || k > selection.Samples)
            throw new RequestFieldException("selectHard.k", $"selectHard.k must be between 1 and selectHard.samples ({selection.Samples}).");
        return selection with { K = k };
    }

    private static IReadOnlyList<JsonElement> SuiteProblems(SuiteRequest suite, BenchmarkOptions limits)
    {
        if (!ProblemSuite.TryParse(suite.Name, out _))
            throw new RequestFieldException("suite.name", $"Unknown suite '{suite.Name}'. Suites: {string.Join(", ", ProblemSuite.Names)}.");
        var max = Math.Min(ProblemSuite.MaxCount, limits.MaxProblems);
        if (suite.Count < 1 || suite.Count > max) throw new RequestFieldException("suite.count", $"suite.count must be between 1 and {max}.");
        try
        {
            return ProblemSuite.Generate(suite.Name!, suite.Count, suite.Seed)
                .Select(p => JsonDocument.Parse(p.ToJson()).RootElement.Clone()).ToList();
        }
        catch (InvalidOperationException ex)
        {
            throw new RequestFieldException("suite", $"The suite cannot be drawn: {ex.Message}");
        }
    }

    /// <summary>"3 5 7 -> 22" for an arithmetic spec; else the problem's id or the start of its prompt.</summary>
    private static string LabelOf(JsonElement spec, ResolvedProblem problem, int index)
    {
        try
        {
            if (spec.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == ArithmeticPuzzle.KindName)
                return ProblemSuite.Label(ArithmeticPuzzle.FromJson(spec));
        }
        catch (InvalidArithmeticPuzzleException)
        {
            // A shape the resolver accepts but the puzzle does not (e.g. two numbers): fall back to the prompt.
        }
        if (problem.Problem.Id is { Length: > 0 } id) return id;
        var prompt = problem.Problem.Prompt.ReplaceLineEndings(" ").Trim();
        return prompt.Length == 0 ? $"problem {index}" : prompt.Length <= 40 ? prompt : prompt[..37] + "...";
    }

    private static void CheckContext(IDiscoveryEngine engine, string prompt, int maxNewTokens, string field)
    {
        int promptTokens;
        try
        {
            promptTokens = engine.CountPromptTokens(prompt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new RequestFieldException($"{field}.prompt", $"{field}: the prompt cannot be tokenized for model '{engine.ModelName}': {ex.Message}");
        }
        if (promptTokens + maxNewTokens > engine.ContextLength)
            throw new RequestFieldException($"{field}.prompt",
                $"{field}: the prompt ({promptTokens} tokens) plus sampling.maxNewTokens ({maxNewTokens}) exceeds the context of model '{engine.ModelName}' ({engine.ContextLength} tokens).");
    }

    private static async Task<(BenchmarkRequest, JsonElement?, IReadOnlyList<JsonElement>)> ReadMultipartAsync(HttpRequest http, int limit, CancellationToken cancellationToken)
    {
        if (http.ContentLength > limit) throw RequestBody.TooLong(limit, BodyLimitSetting);
        IFormCollection form;
        try
        {
            form = await http.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new RequestFieldException("body", $"The multipart body cannot be read: {ex.Message}");
        }
        var file = form.Files.GetFile("problems")
                   ?? throw new RequestFieldException("problems", "A multipart request needs a file part named 'problems' with one problem spec per line (JSONL).");
        if (file.Length > limit) throw RequestBody.TooLong(limit, BodyLimitSetting);
        string lines;
        using (var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8))
            lines = await reader.ReadToEndAsync(cancellationToken);

        string? requestJson = form["request"].FirstOrDefault();
        if (requestJson is null && form.Files.GetFile("request") is { } requestFile)
        {
            using var reader = new StreamReader(requestFile.OpenReadStream(), Encoding.UTF8);
            requestJson = await reader.ReadToEndAsync(cancellationToken);
        }
        var (request, sdpoFields) = string.IsNullOrWhiteSpace(requestJson) ? (new BenchmarkRequest(), null) : Parse(Encoding.UTF8.GetBytes(requestJson));
        return (request, sdpoFields, ParseJsonLines(lines));
    }

    /// <summary>One problem spec per non-blank line; a bad line is reported as problems[i] with its line number.</summary>
    public static IReadOnlyList<JsonElement> ParseJsonLines(string text)
    {
        var specs = new List<JsonElement>();
        var lines = text.Split('\n');
        for (int line = 0; line < lines.Length; line++)
        {
            var content = lines[line].Trim();
            if (content.Length == 0) continue;
            try
            {
                using var document = JsonDocument.Parse(content);
                specs.Add(document.RootElement.Clone());
            }
            catch (JsonException ex)
            {
                throw new RequestFieldException($"problems[{specs.Count}]", $"Line {line + 1} of the problems is not valid JSON: {ex.Message}");
            }
        }
        return specs;
    }

    /// <summary>Options of an x-ndjson upload from the query: name, methods (comma-separated), seeds, maxAttempts,
    /// attemptsPerStep, chains, model, selectHard (the threshold), samples, k, constrained, distinctAttempts,
    /// distinctEquivalence, measureTeacherAdvantage.</summary>
    private static BenchmarkRequest FromQuery(IQueryCollection query)
    {
        var known = QueryOptions;
        foreach (var key in query.Keys)
        {
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new RequestFieldException(key, $"'{key}' is not a known query option; with a JSONL body the options are {string.Join(", ", known)} (use multipart for the rest).");
        }
        string? Get(string key) => query.TryGetValue(key, out var v) ? v.ToString() : null;
        int? Int(string key) => Get(key) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new RequestFieldException(key, $"{key} must be an integer, not '{text}'.")
            : null;

        List<DiscoveryMethod>? methods = null;
        if (Get("methods") is { } list)
        {
            methods = [];
            foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!DiscoveryMethodNames.TryParse(name, out var method))
                    throw new RequestFieldException("methods", $"Unknown method '{name}'; methods are {DiscoveryMethodNames.All}.");
                methods.Add(method);
            }
        }
        DiscoveryBudget? budget = Get("maxAttempts") is not null || Get("attemptsPerStep") is not null || Get("chains") is not null
            ? new DiscoveryBudget(Int("maxAttempts") ?? new DiscoveryBudget().MaxAttempts, Int("attemptsPerStep") ?? new DiscoveryBudget().AttemptsPerStep, Int("chains"))
            : null;
        HardSelectionRequest? selection = null;
        if (Get("selectHard") is { } threshold)
        {
            if (!double.TryParse(threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new RequestFieldException("selectHard", $"selectHard must be a threshold such as 0.5, not '{threshold}'.");
            selection = new HardSelectionRequest { Threshold = value, Samples = Int("samples") ?? 64, K = Int("k") };
        }
        bool? Bool(string key) => Get(key) is { } text
            ? bool.TryParse(text, out var value) ? value : throw new RequestFieldException(key, $"{key} must be true or false, not '{text}'.")
            : null;
        bool? constrained = Bool("constrained"), distinct = Bool("distinctAttempts"), equivalence = Bool("distinctEquivalence");
        AttemptSampling? sampling = constrained is null && distinct is null && equivalence is null
            ? null
            : new AttemptSampling(Constrained: constrained ?? false, DistinctAttempts: distinct ?? false, DistinctEquivalence: equivalence ?? false);
        bool measureTeacherAdvantage = Bool("measureTeacherAdvantage") ?? false;
        return new BenchmarkRequest
        {
            Name = Get("name"), Methods = methods, Seeds = Int("seeds"), Budget = budget, Sampling = sampling, Model = Get("model"), SelectHard = selection,
            MeasureTeacherAdvantage = measureTeacherAdvantage,
        };
    }

    /// <summary>The request, and its "sdpo" object as sent.</summary>
    private static (BenchmarkRequest, JsonElement?) Parse(byte[] body)
    {
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
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new RequestFieldException("body", "The request body must be a JSON object.");
            RequestFields.CheckText(document.RootElement);
            sdpoFields = RequestFields.SdpoFieldsOf(document.RootElement);
            // The SDPO options' own messages first (an unknown option lists the options), then every other field's.
            RequestFields.CheckSdpoFields(sdpoFields);
            RequestFields.CheckFields<BenchmarkRequest>(document.RootElement);
        }
        try
        {
            return (JsonSerializer.Deserialize<BenchmarkRequest>(body, ServiceJson.StrictOptions)!, sdpoFields);
        }
        catch (JsonException ex)
        {
            throw RequestFields.InvalidField(ex, field => field.StartsWith("methods", StringComparison.Ordinal) ? $"methods are {DiscoveryMethodNames.All}" : null);
        }
    }

}
