using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Benchmarks;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>Endpoint metadata: the endpoint also takes a benchmark's problems uploaded as JSONL (see <see cref="BenchmarkUploadOperationFilter"/>).</summary>
public sealed record JsonLinesUploads
{
    public static readonly JsonLinesUploads Instance = new();
}

/// <summary>
/// Describes POST /benchmarks' upload forms as the reader takes them: the generator would show each media type
/// carrying a BenchmarkRequest object. multipart/form-data has a JSONL file part <c>problems</c> and an optional JSON part
/// <c>request</c> (the other options); a JSONL body (application/x-ndjson and its aliases) is text, one problem spec a
/// line, with the options in the query, which are declared as parameters (only such a body reads them).
/// </summary>
public sealed class BenchmarkUploadOperationFilter(IOptions<BenchmarkOptions> benchmarks) : IOperationFilter
{
    private const string QueryNote = " Only with a JSONL body (application/x-ndjson and the like); a JSON or multipart request gives it in its body.";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<JsonLinesUploads>().Any()) return;
        var content = operation.RequestBody?.Content ?? throw new InvalidOperationException("POST /benchmarks declares no request body to describe.");
        var request = context.SchemaGenerator.GenerateSchema(typeof(BenchmarkRequest), context.SchemaRepository);
        content["multipart/form-data"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "problems" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["problems"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String, Format = "binary",
                        Description = "A JSONL file: one problem spec a line, each exactly as POST /solve takes its problem.",
                    },
                    ["request"] = new OpenApiSchema
                    {
                        AllOf = [request],
                        Description = "The other options as a JSON BenchmarkRequest, without problems or suite; the defaults when left out.",
                    },
                },
            },
            Encoding = new Dictionary<string, OpenApiEncoding>
            {
                ["problems"] = new() { ContentType = "application/x-ndjson" },
                ["request"] = new() { ContentType = "application/json" },
            },
        };
        foreach (var type in BenchmarkRequestReader.NdjsonTypes)
        {
            content[type] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "One problem spec a line, each exactly as POST /solve takes its problem; the options go in the query.",
                },
                Example = JsonValue.Create("{\"kind\": \"arithmetic\", \"numbers\": [3, 5, 7], \"target\": 22}\n{\"kind\": \"arithmetic\", \"numbers\": [2, 4, 6], \"target\": 36}\n"),
            };
        }

        var schemas = QuerySchemas(context);
        operation.Parameters ??= [];
        foreach (var name in BenchmarkRequestReader.QueryOptions)
        {
            if (!schemas.TryGetValue(name, out var option))
                throw new InvalidOperationException($"POST /benchmarks reads the query option {name}, which the document does not describe.");
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name, In = ParameterLocation.Query, Required = false, Description = option.Description + QueryNote, Schema = option.Schema,
                // methods=sdpo,best-of-k
            });
            if (name == "methods")
            {
                // methods=sdpo,best-of-k
                var methods = (OpenApiParameter)operation.Parameters[^1];
                methods.Style = ParameterStyle.Form;
                methods.Explode = false;
            }
        }
    }

    private Dictionary<string, (string Description, IOpenApiSchema Schema)> QuerySchemas(OperationFilterContext context)
    {
        var method = context.SchemaGenerator.GenerateSchema(typeof(DiscoveryMethod), context.SchemaRepository);
        var limits = benchmarks.Value;
        return new()
        {
            ["name"] = ("A name for reports and plot titles; \"benchmark\" when left out.", Schemas.String(null)),
            ["methods"] = ("The methods, comma-separated; sdpo,best-of-k when left out.",
                new OpenApiSchema { Type = JsonSchemaType.Array, Items = method, MinItems = 1, UniqueItems = true }),
            ["seeds"] = ("Seeds per problem and method (1 … seeds).", Default(Schemas.Integer(null, 1, limits.MaxSeeds), 1)),
            ["maxAttempts"] = ("budget.maxAttempts.", Default(Schemas.Integer(null, 1, DiscoveryBudget.MaxAllowedAttempts), new DiscoveryBudget().MaxAttempts)),
            ["attemptsPerStep"] = ("budget.attemptsPerStep.", Default(Schemas.Integer(null, 1, DiscoveryBudget.MaxAllowedAttemptsPerStep), new DiscoveryBudget().AttemptsPerStep)),
            ["chains"] = ("budget.chains.", Schemas.Integer(null, 1)),
            ["model"] = ("A configured model's name; the default model when left out.", Schemas.String(null)),
            ["selectHard"] = ("Hard-problem selection's threshold (selectHard.threshold); no selection when left out.", Threshold()),
            ["samples"] = ("selectHard.samples, with selectHard.", Default(Schemas.Integer(null, 1, DiscoveryBudget.MaxAllowedAttempts), new HardSelectionRequest().Samples)),
            ["k"] = ("selectHard.k, with selectHard.", Schemas.Integer(null, 1)),
            ["constrained"] = ("sampling.constrained.", Schemas.Boolean(null, false)),
            ["distinctAttempts"] = ("sampling.distinctAttempts.", Schemas.Boolean(null, false)),
            ["distinctEquivalence"] = ("sampling.distinctEquivalence.", Schemas.Boolean(null, false)),
            ["measureTeacherAdvantage"] = ("measureTeacherAdvantage.", Schemas.Boolean(null, false)),
        };

        static OpenApiSchema Threshold()
        {
            var schema = Schemas.Number(null, maximum: 1);
            Schemas.SetMinimum(schema, 0, exclusive: true);
            return schema;
        }
    }

    private static OpenApiSchema Default(OpenApiSchema schema, int value)
    {
        schema.Default = JsonValue.Create(value);
        return schema;
    }
}
