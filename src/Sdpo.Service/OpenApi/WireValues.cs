using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// A string field whose values are a fixed set: the wire names of <see cref="EnumType"/> (the document refers to that
/// enum's schema, so that a client has one type for, say, a method wherever it appears) or the listed <see cref="Values"/>.
/// For fields held as text because the rows store them so (a run's method, an attempt's verdict).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class WireValuesAttribute : Attribute
{
    public WireValuesAttribute(Type enumType) => EnumType = enumType;

    public WireValuesAttribute(params string[] values) => Values = values;

    public Type? EnumType { get; }
    public IReadOnlyList<string>? Values { get; }
}

/// <summary>Writes each <see cref="WireValuesAttribute"/> into its property's schema.</summary>
public sealed class WireValuesSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete || context.MemberInfo?.GetCustomAttribute<WireValuesAttribute>() is not { } values) return;
        if (values.EnumType is { } enumType)
        {
            // The enum's schema, nullable where the field is: OpenAPI 3.0 gives a reference no siblings, so it is wrapped.
            var reference = context.SchemaGenerator.GenerateSchema(enumType, context.SchemaRepository);
            concrete.AllOf = [reference];
            concrete.Type = concrete.Type is { } type && type.HasFlag(JsonSchemaType.Null) ? JsonSchemaType.Null : null;
            concrete.Format = null;
        }
        else
        {
            concrete.Enum = values.Values!.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
        }
    }
}
