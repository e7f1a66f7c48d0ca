using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sdpo.Engine.Discovery;
using Sdpo.Reports.Suites;
using Sdpo.Service.Api;
using Sdpo.Service.Benchmarks;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// Gives the request types' schemas what the checks behind them enforce: required fields, each option's bounds (from
/// the constants the options' Validate methods and the readers use, so the two cannot drift apart) and the default a
/// field left out takes (read from a default instance of the type).
/// </summary>
public sealed class RequestLimitsSchemaFilter(IOptions<BenchmarkOptions> benchmarks) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } } concrete) return;
        var type = context.Type;
        if (type == typeof(SolveRequest))
        {
            Require(concrete, nameof(SolveRequest.Problem));
            Defaults(concrete, new SolveRequest());
            var compareWith = Property(concrete, nameof(SolveRequest.CompareWith));
            compareWith.UniqueItems = true;
            compareWith.Description = Join(compareWith.Description, "Each at most once, and not the main method.");
        }
        else if (type == typeof(DiscoveryBudget))
        {
            Defaults(concrete, new DiscoveryBudget());
            Bounds(concrete, nameof(DiscoveryBudget.MaxAttempts), 1, DiscoveryBudget.MaxAllowedAttempts);
            Bounds(concrete, nameof(DiscoveryBudget.AttemptsPerStep), 1, DiscoveryBudget.MaxAllowedAttemptsPerStep);
            Bounds(concrete, nameof(DiscoveryBudget.Chains), 1, null, "At most attemptsPerStep; unset, every attempt of a step has its own chain.");
        }
        else if (type == typeof(AttemptSampling))
        {
            Defaults(concrete, new AttemptSampling());
            Bounds(concrete, nameof(AttemptSampling.Temperature), 0, AttemptSampling.MaxTemperature, exclusiveMinimum: true);
            Bounds(concrete, nameof(AttemptSampling.TopP), 0, 1, exclusiveMinimum: true);
            Bounds(concrete, nameof(AttemptSampling.MaxNewTokens), 1, AttemptSampling.MaxAllowedNewTokens,
                "The prompt's tokens plus maxNewTokens must also fit the model's context.");
        }
        else if (type == typeof(SdpoOptions))
        {
            Defaults(concrete, new SdpoOptions());
            concrete.Description = Join(concrete.Description,
                "The defaults shown are the paper's; fields a request leaves out take the model's recommendation (GET /models lists it as sdpoDefaults).");
            Bounds(concrete, nameof(SdpoOptions.LearningRate), 0, 1, exclusiveMinimum: true);
            Bounds(concrete, nameof(SdpoOptions.LoraRank), 1, SdpoOptions.MaxLoraRank);
            Bounds(concrete, nameof(SdpoOptions.LoraAlpha), 0, SdpoOptions.LoraAlphaLimit, exclusiveMinimum: true);
            Bounds(concrete, nameof(SdpoOptions.TeacherRate), 0, 1);
            Bounds(concrete, nameof(SdpoOptions.JsdAlpha), 0, 1, exclusiveMinimum: true, exclusiveMaximum: true);
            Bounds(concrete, nameof(SdpoOptions.TopK), 1, null);
            Bounds(concrete, nameof(SdpoOptions.LogRatioClip), 0, SdpoOptions.LogRatioClipLimit, "null turns the clip off.", exclusiveMinimum: true);
            Bounds(concrete, nameof(SdpoOptions.UpdatesPerBatch), 1, SdpoOptions.MaxUpdatesPerBatch);
            Bounds(concrete, nameof(SdpoOptions.ImportanceWeightCap), 1, SdpoOptions.ImportanceWeightCapLimit);
            Bounds(concrete, nameof(SdpoOptions.WeightDecay), 0, 1);
            Bounds(concrete, nameof(SdpoOptions.MaxGradNorm), 0, SdpoOptions.MaxGradNormLimit, exclusiveMinimum: true);
            Bounds(concrete, nameof(SdpoOptions.MaxTeacherContextTokens), SdpoOptions.MinTeacherContextTokens, null);
            Bounds(concrete, nameof(SdpoOptions.MaxDistilledAttempts), 1, null, "null distils every distinct failure.");
            Bounds(concrete, nameof(SdpoOptions.TeacherGuidance), 0, SdpoOptions.TeacherGuidanceLimit);
            Bounds(concrete, nameof(SdpoOptions.LearningSteps), 1, null, "null learns at every step.");
            // Null adapts every layer and the default modules; an empty list is refused (the adapter's rules).
            var layers = Property(concrete, nameof(SdpoOptions.LoraLayers));
            layers.MinItems = 1;
            layers.UniqueItems = true;
            if (layers.Items is OpenApiSchema layer) Schemas.SetMinimum(layer, 0);
            var modules = Property(concrete, nameof(SdpoOptions.LoraModules));
            modules.MinItems = 1;
            modules.UniqueItems = true;
        }
        else if (type == typeof(TeacherAdvantageRequest))
        {
            Require(concrete, nameof(TeacherAdvantageRequest.Cases));
            var cases = Property(concrete, nameof(TeacherAdvantageRequest.Cases));
            cases.MinItems = 1;
            cases.MaxItems = TeacherAdvantageReader.MaxCases;
        }
        else if (type == typeof(TeacherAdvantageCase))
        {
            Require(concrete, nameof(TeacherAdvantageCase.Problem));
        }
        else if (type == typeof(BenchmarkRequest))
        {
            Bounds(concrete, nameof(BenchmarkRequest.Seeds), 1, benchmarks.Value.MaxSeeds, $"At most {BenchmarkOptions.SectionName}:MaxSeeds.");
            Property(concrete, nameof(BenchmarkRequest.Seeds)).Default = JsonValue.Create(1);
            Property(concrete, nameof(BenchmarkRequest.Problems)).MaxItems = benchmarks.Value.MaxProblems;
            var methods = Property(concrete, nameof(BenchmarkRequest.Methods));
            methods.MinItems = 1;
            methods.UniqueItems = true;
        }
        else if (type == typeof(SuiteRequest))
        {
            Require(concrete, nameof(SuiteRequest.Name));
            Property(concrete, nameof(SuiteRequest.Name)).Enum = ProblemSuite.Names.Select(name => (JsonNode)JsonValue.Create(name)!).ToList();
            Defaults(concrete, new SuiteRequest());
            Bounds(concrete, nameof(SuiteRequest.Count), 1, Math.Min(ProblemSuite.MaxCount, benchmarks.Value.MaxProblems));
        }
        else if (type == typeof(HardSelectionRequest))
        {
            Defaults(concrete, new HardSelectionRequest());
            Bounds(concrete, nameof(HardSelectionRequest.Threshold), 0, 1, "0.5 keeps hard problems, 0.03 very hard ones.", exclusiveMinimum: true);
            Bounds(concrete, nameof(HardSelectionRequest.Samples), 1, DiscoveryBudget.MaxAllowedAttempts);
            Bounds(concrete, nameof(HardSelectionRequest.K), 1, null);
        }
    }

    private static string JsonName(string property) => JsonNamingPolicy.CamelCase.ConvertName(property);

    /// <summary>The property's schema; fails the document where it is missing, so a renamed field is noticed.</summary>
    private static OpenApiSchema Property(OpenApiSchema schema, string property) =>
        schema.Properties!.TryGetValue(JsonName(property), out var found) && found is OpenApiSchema concrete
            ? concrete
            : throw new InvalidOperationException($"The OpenAPI schema has no property {JsonName(property)} to describe.");

    /// <summary>Marks the property required; null is refused as its absence is, so it is no longer nullable either.</summary>
    private static void Require(OpenApiSchema schema, string property)
    {
        var target = Property(schema, property);
        if (target.Type is { } type) target.Type = type & ~JsonSchemaType.Null;
        schema.Required ??= new HashSet<string>();
        schema.Required.Add(JsonName(property));
    }

    private static void Bounds(OpenApiSchema schema, string property, double? minimum, double? maximum, string? note = null,
        bool exclusiveMinimum = false, bool exclusiveMaximum = false)
    {
        var target = Property(schema, property);
        if (minimum is { } min) Schemas.SetMinimum(target, min, exclusiveMinimum);
        if (maximum is { } max) Schemas.SetMaximum(target, max, exclusiveMaximum);
        if (note is not null) target.Description = Join(target.Description, note);
    }

    /// <summary>Each property's value in <paramref name="defaults"/> as its default, where it has one (not null) and the
    /// property's schema is inline (a reference carries no siblings in OpenAPI 3.0).</summary>
    private static void Defaults<T>(OpenApiSchema schema, T defaults)
    {
        foreach (var clrProperty in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!schema.Properties!.TryGetValue(JsonName(clrProperty.Name), out var property) || property is not OpenApiSchema concrete) continue;
            var value = clrProperty.GetValue(defaults);
            if (value is null) continue;
            concrete.Default = JsonSerializer.SerializeToNode(value, clrProperty.PropertyType, ServiceJson.Options);
        }
    }

    private static string Join(string? description, string note) =>
        string.IsNullOrEmpty(description) ? note : $"{description.TrimEnd()} {note}";
}
