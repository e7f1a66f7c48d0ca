using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Sdpo.Service.Tests.Support;

/// <summary>
/// The service's OpenAPI 3.0 document as JSON Schema (2020-12), to validate real requests and responses against it the
/// way a generated client with validation would. 3.0's dialect is converted: <c>nullable</c> becomes a "null" type (or
/// an anyOf with it around a reference), a boolean <c>exclusiveMinimum</c> a numeric one, and component references
/// point into <c>$defs</c>.
/// </summary>
public sealed class OpenApiContract(JsonElement document)
{
    private readonly JsonObject _definitions = Convert(JsonNode.Parse(document.GetProperty("components").GetProperty("schemas").GetRawText())!).AsObject();

    /// <summary>The errors of <paramref name="instance"/> against the schema the document declares for the response
    /// <paramref name="status"/> of <paramref name="verb"/> <paramref name="path"/> in <paramref name="mediaType"/>; empty when it conforms.</summary>
    public IReadOnlyList<string> ResponseErrors(string path, string verb, int status, JsonElement instance, string mediaType = "application/json")
    {
        var response = document.GetProperty("paths").GetProperty(path).GetProperty(verb).GetProperty("responses").GetProperty(status.ToString());
        return Errors(response.GetProperty("content").GetProperty(mediaType).GetProperty("schema"), instance);
    }

    /// <summary>The errors of a request body against the schema the document declares for it.</summary>
    public IReadOnlyList<string> RequestErrors(string path, string verb, JsonElement instance, string mediaType = "application/json") =>
        Errors(document.GetProperty("paths").GetProperty(path).GetProperty(verb).GetProperty("requestBody").GetProperty("content")
            .GetProperty(mediaType).GetProperty("schema"), instance);

    /// <summary>The errors of <paramref name="instance"/> against the component schema <paramref name="name"/>.</summary>
    public IReadOnlyList<string> SchemaErrors(string name, JsonElement instance) =>
        Errors(JsonDocument.Parse($$"""{"$ref": "#/components/schemas/{{name}}"}""").RootElement, instance);

    /// <summary>The <c>type</c>s the discriminator of the event stream that <paramref name="verb"/> <paramref name="path"/>
    /// answers 200 with maps to a schema.</summary>
    public IReadOnlySet<string> StreamEventTypes(string path, string verb)
    {
        var schema = Operation(path, verb).GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/event-stream").GetProperty("schema");
        if (schema.TryGetProperty("$ref", out var reference))
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Replace("#/components/schemas/", ""));
        return schema.GetProperty("discriminator").GetProperty("mapping").EnumerateObject().Select(p => p.Name).ToHashSet();
    }

    public JsonElement Operation(string path, string verb) => document.GetProperty("paths").GetProperty(path).GetProperty(verb);

    /// <summary>Whether the document declares the header <paramref name="name"/> on that response.</summary>
    public bool DeclaresHeader(string path, string verb, int status, string name) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(verb).GetProperty("responses").GetProperty(status.ToString())
            .TryGetProperty("headers", out var headers) && headers.TryGetProperty(name, out _);

    private IReadOnlyList<string> Errors(JsonElement schema, JsonElement instance)
    {
        var root = Convert(JsonNode.Parse(schema.GetRawText())!).AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = _definitions.DeepClone();
        // A base URI of its own: the build registers the schema by it.
        var built = JsonSchema.FromText(root.ToJsonString(), baseUri: new Uri($"https://sdpo.test/{Guid.NewGuid()}"));
        var results = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        return (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
            .DefaultIfEmpty("invalid").ToList();
    }

    private static JsonNode Convert(JsonNode node)
    {
        if (node is JsonArray array) return new JsonArray(array.Select(item => item is null ? null : Convert(item)).ToArray());
        if (node is not JsonObject obj) return node.DeepClone();
        var result = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (name is "example" or "discriminator" or "nullable" || name.StartsWith("x-", StringComparison.Ordinal)) continue;
            if (name == "properties" && value is JsonObject properties)
                result[name] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert(p.Value!))));
            else if (name == "$ref") result[name] = value!.GetValue<string>().Replace("#/components/schemas/", "#/$defs/");
            else if (name is "exclusiveMinimum" or "exclusiveMaximum" && value is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                if (flag.GetValue<bool>()) result[name] = obj[name == "exclusiveMinimum" ? "minimum" : "maximum"]!.DeepClone();
            }
            else if (name is "minimum" or "maximum" && obj[$"exclusive{char.ToUpperInvariant(name[0])}{name[1..]}"] is JsonValue exclusive
                     && exclusive.GetValueKind() == JsonValueKind.True) continue;
            else result[name] = value is null ? null : Convert(value);
        }
        if (obj["nullable"] is JsonValue nullable && nullable.GetValue<bool>())
        {
            if (result["type"] is JsonValue type)
            {
                result["type"] = new JsonArray(type.GetValue<string>(), "null");
                if (result["enum"] is JsonArray values) values.Add(null);
            }
            else return new JsonObject { ["anyOf"] = new JsonArray(result, new JsonObject { ["type"] = "null" }) };
        }
        return result;
    }
}
