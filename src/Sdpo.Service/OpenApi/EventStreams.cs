using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Execution;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>One kind of event a stream sends: its SSE event name, which is also its data's <c>type</c>, and the C# type
/// whose JSON is the rest of its data. <see cref="WithMethod"/>: the service adds the <c>method</c> the event belongs to.</summary>
public sealed record StreamedEvent(string Type, Type Payload, bool WithMethod = false);

/// <summary>Endpoint metadata: the endpoint's 200 is a text/event-stream of these events, documented as the component
/// <see cref="SchemaName"/>.</summary>
public sealed record DocumentedEventStream(string SchemaName, string Subject, IReadOnlyList<StreamedEvent> Events)
{
    /// <summary>A run's stream: the engine's events, each with its method, the run's <c>ended</c>, and <c>interrupted</c>.</summary>
    public static DocumentedEventStream Run { get; } = new("RunStreamEvent", "run",
    [
        .. Derived(typeof(DiscoveryEvent), withMethod: true),
        new(RunEnded.EventName, typeof(RunEnded)),
        new(ServerSentEventStream.InterruptedEvent, typeof(StreamInterrupted)),
    ]);

    public static DocumentedEventStream Benchmark { get; } = new("BenchmarkStreamEvent", "benchmark",
    [
        .. Derived(typeof(BenchmarkEvent), withMethod: false),
        new(ServerSentEventStream.InterruptedEvent, typeof(StreamInterrupted)),
    ]);

    // The types and names System.Text.Json writes, read from the same attributes it reads.
    private static IEnumerable<StreamedEvent> Derived(Type baseType, bool withMethod) =>
        baseType.GetCustomAttributes<JsonDerivedTypeAttribute>()
            .Select(derived => new StreamedEvent((string)derived.TypeDiscriminator!, derived.DerivedType, withMethod));
}

public static class EventStreams
{
    public static TBuilder WithEventStream<TBuilder>(this TBuilder builder, DocumentedEventStream stream) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(stream);
}

/// <summary>
/// Types each event stream's <c>data:</c>: a component per event, generated from the C# type the service serializes (so it
/// follows the document's naming and nullability), with the <c>type</c> (and <c>method</c>) the service adds, and a
/// <c>oneOf</c> of them with a discriminator on <c>type</c> as the text/event-stream content's schema. Fails the document
/// where an event stream has no <see cref="DocumentedEventStream"/>, so none is left typed as a bare string.
/// It runs after <see cref="ResponseFieldsRequiredFilter"/> and sets the events' required fields itself: a field the
/// serializer leaves out at its default (<c>verdictReused</c>, <c>redrawn</c>) is not required.
/// </summary>
public sealed partial class EventStreamDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var schemas = context.SchemaRepository.Schemas;
        var existing = new HashSet<string>(schemas.Keys);
        var documented = new HashSet<OpenApiMediaType>(ReferenceEqualityComparer.Instance);
        var payloads = new List<Type>();
        foreach (var description in context.ApiDescriptions)
        {
            if (description.ActionDescriptor.EndpointMetadata.OfType<DocumentedEventStream>().FirstOrDefault() is not { } stream) continue;
            // The document's paths name a route's parameters without their constraints ({id:guid} is {id}).
            var path = "/" + RouteConstraint().Replace(description.RelativePath!.TrimEnd('/'), "{$1}");
            var label = $"{description.HttpMethod} {path}";
            if (swaggerDoc.Paths.TryGetValue(path, out var item) != true || item.Operations?.TryGetValue(new HttpMethod(description.HttpMethod!), out var operation) != true
                || operation!.Responses?.TryGetValue("200", out var found) != true || found is not OpenApiResponse response
                || response.Content?.TryGetValue(ServerSentEventStream.MediaType, out var media) != true || media is not OpenApiMediaType content)
                throw new InvalidOperationException($"{label} documents an event stream on a 200 {ServerSentEventStream.MediaType} it does not declare.");
            if (!schemas.ContainsKey(stream.SchemaName)) schemas[stream.SchemaName] = StreamSchema(stream, context, swaggerDoc, existing, payloads);
            content.Schema = new OpenApiSchemaReference(stream.SchemaName, swaggerDoc);
            response.Description = $"The {stream.Subject}'s events as server-sent events: each `data:` line is one JSON object, a {stream.SchemaName} " +
                                   "(its `type` is the `event:` name). Every event has an `id:` but `interrupted`.";
            documented.Add(content);
        }
        foreach (var operation in swaggerDoc.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        foreach (var response in operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>())
            if (response.Content?.TryGetValue(ServerSentEventStream.MediaType, out var media) == true && media is OpenApiMediaType content && !documented.Contains(content))
                throw new InvalidOperationException($"{operation.OperationId} streams events without a DocumentedEventStream: its events would be a bare string.");
        MarkRequired(schemas, existing, payloads, context.SchemaRepository);
    }

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex RouteConstraint();

    private static OpenApiSchema StreamSchema(DocumentedEventStream stream, DocumentFilterContext context, OpenApiDocument document,
        HashSet<string> existing, List<Type> payloads)
    {
        var mapping = new Dictionary<string, OpenApiSchemaReference>();
        var oneOf = new List<IOpenApiSchema>();
        foreach (var streamed in stream.Events)
        {
            if (context.SchemaGenerator.GenerateSchema(streamed.Payload, context.SchemaRepository) is not OpenApiSchemaReference { Reference.Id: { } generated }
                || context.SchemaRepository.Schemas[generated] is not OpenApiSchema payload)
                throw new InvalidOperationException($"{streamed.Payload.Name} has no component schema.");
            payloads.Add(streamed.Payload);
            // A type another response also writes, without the event's "type" (a benchmark's teacher advantage), keeps its
            // component; the event gets a copy of it with the type.
            var (id, schema) = existing.Contains(generated) && !IsEventSchema(payload)
                ? ($"{generated}Event", (OpenApiSchema)payload.CreateShallowCopy())
                : (generated, payload);
            if (!ReferenceEquals(schema, payload))
            {
                schema.Required = new HashSet<string> { "type" };
                schema.Required.UnionWith(payload.Required ?? new HashSet<string>());
                context.SchemaRepository.Schemas[id] = schema;
            }
            // The service's own fields come first, as the wire has them; a payload type shared by two streams is typed once.
            if (!IsEventSchema(schema))
            {
                var properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(streamed.Type)], Description = "the SSE event's name" },
                };
                if (streamed.WithMethod)
                    properties["method"] = new OpenApiSchema
                    {
                        AllOf = [context.SchemaGenerator.GenerateSchema(typeof(DiscoveryMethod), context.SchemaRepository)],
                        Description = "the method of the run this event belongs to",
                    };
                foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>()) properties[name] = property;
                schema.Properties = properties;
            }
            mapping[streamed.Type] = new OpenApiSchemaReference(id, document);
            oneOf.Add(new OpenApiSchemaReference(id, document));
        }
        return new OpenApiSchema
        {
            Description = $"The JSON of one `data:` line of the {stream.Subject}'s event stream, one of its events by `type` " +
                          $"({string.Join(", ", stream.Events.Select(e => e.Type))}). The `interrupted` event, sent when the service's " +
                          "shutdown ends the stream, has no `id:`.",
            OneOf = oneOf,
            Discriminator = new OpenApiDiscriminator { PropertyName = "type", Mapping = mapping },
        };
    }

    private static bool IsEventSchema(OpenApiSchema schema) => schema.Properties?.ContainsKey("type") == true;

    /// <summary>Every field of the components the events brought into the document is required but those the serializer
    /// leaves out at their default or when null.</summary>
    private static void MarkRequired(IDictionary<string, IOpenApiSchema> schemas, HashSet<string> existing, IEnumerable<Type> payloads, SchemaRepository repository)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(payloads);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type)) continue;
            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : []) pending.Push(argument);
            if (type.IsArray) pending.Push(type.GetElementType()!);
            if (!repository.TryLookupByType(type, out var reference) || reference.Reference.Id is not { } id || existing.Contains(id)
                || schemas[id] is not OpenApiSchema { Properties.Count: > 0 } schema) continue;
            var omitted = new HashSet<string>();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                pending.Push(property.PropertyType);
                if (property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingDefault or JsonIgnoreCondition.WhenWritingNull })
                    omitted.Add(JsonNamingPolicy.CamelCase.ConvertName(property.Name));
            }
            schema.Required = new HashSet<string>(schema.Properties.Keys.Where(name => !omitted.Contains(name)));
        }
    }
}
