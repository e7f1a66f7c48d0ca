using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// Endpoint metadata describing an integer parameter as the handler reads it: a query value bound as text (so that a bad
/// one is answered with a problem naming it, not the framework's bare 400) or a header the handler reads itself. The
/// generator would show the first as a string and not show the second at all.
/// </summary>
public sealed record DocumentedIntegerParameter(string Name, ParameterLocation In, string Description, long? Minimum, long? Maximum, long? Default, string Format = "int32");

/// <summary>A query value bound as text that the handler takes only as one of <see cref="Values"/> (a status filter, say).
/// Where the values are an enum's wire names, <see cref="EnumType"/> names it and the parameter refers to its schema, so that
/// a client has one type for, say, a run status wherever it appears.</summary>
public sealed record DocumentedEnumParameter(string Name, string Description, IReadOnlyList<string> Values, Type? EnumType = null);

public static class DocumentedParameters
{
    /// <summary>Documents the query parameter <paramref name="name"/> as an integer from <paramref name="minimum"/> to
    /// <paramref name="maximum"/> (no upper bound when null), <paramref name="default"/> when left out.</summary>
    public static TBuilder WithIntegerQuery<TBuilder>(this TBuilder builder, string name, string description, long minimum, long? maximum, long @default)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedIntegerParameter(name, ParameterLocation.Query, description, minimum, maximum, @default));

    /// <summary>Documents the query parameter <paramref name="name"/> as a string that is one of <paramref name="values"/>.</summary>
    public static TBuilder WithEnumQuery<TBuilder>(this TBuilder builder, string name, string description, IReadOnlyList<string> values, Type? enumType = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedEnumParameter(name, description, values, enumType));

    /// <summary>The header a client reconnecting to an event stream sends; the handlers read it themselves (a bad value is
    /// answered 400 naming it).</summary>
    public static TBuilder WithLastEventId<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithIntegerHeader("Last-Event-ID",
            "The id of the last event received (its `id:` line): the stream replays only the events after it, then live ones.", 0);

    /// <summary>Documents a request header the handler reads itself as a non-negative integer.</summary>
    public static TBuilder WithIntegerHeader<TBuilder>(this TBuilder builder, string name, string description, long minimum, string format = "int64")
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedIntegerParameter(name, ParameterLocation.Header, description, minimum, null, null, format));
}

/// <summary>Writes each <see cref="DocumentedIntegerParameter"/> and <see cref="DocumentedEnumParameter"/> of an endpoint into
/// its operation, replacing the generated parameter of that name or adding it.</summary>
public sealed class DocumentedParameterOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        foreach (var parameter in metadata.OfType<DocumentedIntegerParameter>())
        {
            var schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = parameter.Format };
            Schemas.WithBounds(schema, parameter.Minimum, parameter.Maximum);
            if (parameter.Default is { } value) schema.Default = JsonValue.Create(value);
            Replace(operation, new OpenApiParameter
            {
                Name = parameter.Name, In = parameter.In, Description = parameter.Description, Required = false, Schema = schema,
            });
        }
        foreach (var parameter in metadata.OfType<DocumentedEnumParameter>())
        {
            var schema = parameter.EnumType is { } enumType
                ? context.SchemaGenerator.GenerateSchema(enumType, context.SchemaRepository)
                : (IOpenApiSchema)new OpenApiSchema { Type = JsonSchemaType.String, Enum = parameter.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList() };
            Replace(operation, new OpenApiParameter
            {
                Name = parameter.Name, In = ParameterLocation.Query, Description = parameter.Description, Required = false, Schema = schema,
            });
        }
    }

    private static void Replace(OpenApiOperation operation, OpenApiParameter replacement)
    {
        operation.Parameters ??= [];
        var index = operation.Parameters.ToList().FindIndex(p => p.In == replacement.In && string.Equals(p.Name, replacement.Name, StringComparison.OrdinalIgnoreCase));
        if (index >= 0) operation.Parameters[index] = replacement;
        else operation.Parameters.Add(replacement);
    }
}
