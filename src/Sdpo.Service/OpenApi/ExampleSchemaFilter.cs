using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Sdpo.Service.Api;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>Gives every API type's schema an example: the type's static <c>Example</c> property, or a typical
/// problem for the ProblemDetails types.</summary>
public sealed class ExampleSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        // A property's schema wraps its type's (allOf) and needs no copy of the type's example.
        if (schema is not OpenApiSchema concrete || context.MemberInfo is not null) return;
        var example = ExampleOf(context.Type);
        if (example is null) return;
        // OpenAPI 3.1 documents carry "examples", 3.0 documents the single "example".
        concrete.Examples = [JsonSerializer.SerializeToNode(example, context.Type, ServiceJson.Options)!];
#pragma warning disable CS0618
        concrete.Example = JsonSerializer.SerializeToNode(example, context.Type, ServiceJson.Options);
#pragma warning restore CS0618
    }

    private static object? ExampleOf(Type type)
    {
        if (type == typeof(HttpValidationProblemDetails))
        {
            return new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["budget.maxAttempts"] = ["budget.maxAttempts must be between 1 and 100000."],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid: budget.maxAttempts",
                Detail = "budget.maxAttempts must be between 1 and 100000.",
            };
        }
        if (type == typeof(ProblemDetails))
        {
            return new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Run not found", Detail = "No run has id 0199b6a4-5d1e-7c3a-9f00-3c2d1e0f4a5b." };
        }
        return type.GetProperty("Example", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
    }
}
