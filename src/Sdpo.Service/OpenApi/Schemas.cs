using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Sdpo.Service.OpenApi;

/// <summary>Small builders for the schemas the filters state by hand.</summary>
internal static class Schemas
{
    public static OpenApiSchema Object(string description, IEnumerable<string> required, params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
        Required = new HashSet<string>(required),
        AdditionalPropertiesAllowed = false,
    };

    public static OpenApiSchema String(string? description, int? maxLength = null, int? minLength = null) => new()
    {
        Type = JsonSchemaType.String, Description = description, MaxLength = maxLength, MinLength = minLength,
    };

    /// <summary>A string that can only be <paramref name="value"/>: a discriminator's value.</summary>
    public static OpenApiSchema Constant(string value, string description) => new()
    {
        Type = JsonSchemaType.String, Description = description, Enum = [JsonValue.Create(value)!],
    };

    public static OpenApiSchema Boolean(string? description, bool @default) => new()
    {
        Type = JsonSchemaType.Boolean, Description = description, Default = JsonValue.Create(@default),
    };

    public static OpenApiSchema Integer(string? description, long? minimum = null, long? maximum = null) =>
        WithBounds(new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = description }, minimum, maximum);

    public static OpenApiSchema Number(string? description, double? minimum = null, double? maximum = null) =>
        WithBounds(new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Description = description }, minimum, maximum);

    public static OpenApiSchema IntegerArray(string description, int minItems, int maxItems, long minimum, long maximum) => new()
    {
        Type = JsonSchemaType.Array, Description = description, MinItems = minItems, MaxItems = maxItems,
        Items = Integer(null, minimum, maximum),
    };

    /// <summary>An inclusive minimum and maximum, where given.</summary>
    public static OpenApiSchema WithBounds(OpenApiSchema schema, double? minimum, double? maximum)
    {
        if (minimum is { } min) SetMinimum(schema, min);
        if (maximum is { } max) SetMaximum(schema, max);
        return schema;
    }

    public static void SetMinimum(OpenApiSchema schema, double value, bool exclusive = false)
    {
        if (exclusive) schema.ExclusiveMinimum = Text(value);
        else schema.Minimum = Text(value);
    }

    public static void SetMaximum(OpenApiSchema schema, double value, bool exclusive = false)
    {
        if (exclusive) schema.ExclusiveMaximum = Text(value);
        else schema.Maximum = Text(value);
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
