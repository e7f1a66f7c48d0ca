using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// Marks every property of a response-only schema required: the service writes every field of its answers, null ones
/// included (<c>ServiceJson</c> ignores none), so a client need not test for a field's presence. Schemas a request also
/// uses (a run's configuration is its SolveRequest) keep the request's requirements, and problem details, whose writer
/// leaves null fields out, keep none.
/// </summary>
public sealed class ResponseFieldsRequiredFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var schemas = swaggerDoc.Components?.Schemas;
        if (schemas is null) return;
        var operations = Values(swaggerDoc.Paths).SelectMany(p => Values(p.Operations)).ToList();
        var requests = Reach(schemas, operations.SelectMany(o =>
            Values(o.RequestBody?.Content).Select(m => m.Schema).Concat((o.Parameters ?? []).Select(p => p.Schema))));
        var responses = Reach(schemas, operations.SelectMany(o =>
            Values(o.Responses).SelectMany(r => Values(r.Content)).Select(m => m.Schema)));
        foreach (var name in responses.Except(requests))
        {
            if (schemas[name] is not OpenApiSchema { Properties.Count: > 0 } schema || IsProblem(schema)) continue;
            schema.Required = new HashSet<string>(schema.Properties.Keys);
        }
    }

    private static IEnumerable<T> Values<TKey, T>(IDictionary<TKey, T>? dictionary) => dictionary?.Values ?? Enumerable.Empty<T>();

    private static bool IsProblem(OpenApiSchema schema) =>
        schema.Properties!.ContainsKey("type") && schema.Properties.ContainsKey("title") && schema.Properties.ContainsKey("instance");

    /// <summary>The names of the components <paramref name="roots"/> refer to, directly or through others.</summary>
    private static HashSet<string> Reach(IDictionary<string, IOpenApiSchema> schemas, IEnumerable<IOpenApiSchema?> roots)
    {
        var found = new HashSet<string>();
        var pending = new Stack<IOpenApiSchema?>(roots);
        while (pending.TryPop(out var schema))
        {
            if (schema is null) continue;
            if (schema is OpenApiSchemaReference reference)
            {
                if (reference.Reference.Id is { } id && found.Add(id) && schemas.TryGetValue(id, out var target)) pending.Push(target);
                continue;
            }
            foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.AllOf ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? [])
                         .Append(schema.Items).Append(schema.AdditionalProperties).Append(schema.Not))
                pending.Push(child);
        }
        return found;
    }
}
