using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// The SDPO options a checkpoint folder recommends for itself, in <c>sdpo_defaults.json</c>: the fields its makers
/// measured better on that model than the paper's defaults of <see cref="SdpoOptions"/>. A request's own SDPO fields
/// are laid over them field by field, so a request that sets only a learning rate keeps the model's divergence, and
/// one that names the paper's default explicitly gets it. Both use the wire form of the service's requests:
/// camelCase fields, kebab-case enums ("forward-kl") and JSON numbers; an unknown field, another spelling of an enum's
/// value or a number in a string is an error, never a silent default.
/// </summary>
public static class SdpoDefaults
{
    public const string FileName = "sdpo_defaults.json";

    /// <summary>The wire form of <see cref="SdpoOptions"/>, strict about unknown fields.</summary>
    public static JsonSerializerOptions Wire { get; } = CreateWire();

    /// <summary>The folder's recommended options over the paper's defaults; the paper's defaults when the folder has
    /// no <see cref="FileName"/>. Throws <see cref="CheckpointException"/> naming the file when it is malformed or out of range.</summary>
    public static SdpoOptions Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return new SdpoOptions();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            return Overlay(new SdpoOptions(), document.RootElement);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"'{path}' is not valid SDPO options: {e.Message}", e);
        }
    }

    /// <summary><paramref name="fields"/>' fields (a JSON object in the wire form) over <paramref name="defaults"/>,
    /// validated; null: <paramref name="defaults"/>. A field given as null sets null (for example "logRatioClip": null
    /// turns the clip off). Throws <see cref="SdpoFieldException"/> (see <see cref="CheckFields"/>) on an unknown field
    /// or a wrong type and <see cref="ArgumentException"/> on a value out of range.</summary>
    public static SdpoOptions Overlay(SdpoOptions defaults, JsonElement fields)
    {
        CheckFields(fields);
        if (fields.ValueKind == JsonValueKind.Null) return defaults;
        var merged = JsonSerializer.SerializeToNode(defaults, Wire)!.AsObject();
        foreach (var field in fields.EnumerateObject())
        {
            // Names match case-insensitively, as the service's requests do, so "LearningRate" replaces "learningRate".
            var existing = merged.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, field.Name, StringComparison.OrdinalIgnoreCase));
            if (existing is not null) merged.Remove(existing);
            merged[field.Name] = JsonNode.Parse(field.Value.GetRawText());
        }
        var options = merged.Deserialize<SdpoOptions>(Wire) ?? defaults;
        options.Validate();
        return options;
    }

    /// <summary>Checks each field of <paramref name="fields"/> (a JSON object in the wire form, or null) on its own, as
    /// written: an <see cref="SdpoFieldException"/> names the first that is not an option or that its option cannot
    /// read, and says what the option takes (its type, its values for an enum), so that the error is about the text
    /// given rather than about the defaults it is merged with. Values in range are <see cref="SdpoOptions.Validate"/>'s.</summary>
    public static void CheckFields(JsonElement fields)
    {
        if (fields.ValueKind == JsonValueKind.Null) return;
        if (fields.ValueKind != JsonValueKind.Object)
            throw new SdpoFieldException("sdpo", $"sdpo must be a JSON object of SDPO options, or null for the defaults; got {WireFields.Shown(fields)}.");
        var properties = Wire.GetTypeInfo(typeof(SdpoOptions)).Properties;
        foreach (var field in fields.EnumerateObject())
        {
            var name = $"sdpo.{field.Name}";
            // Names match case-insensitively, as in Overlay and the service's requests.
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, field.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new SdpoFieldException(name, $"{name} is not an SDPO option; the options are {string.Join(", ", properties.Select(p => p.Name))}.");
            try
            {
                field.Value.Deserialize(property.PropertyType, Wire);
            }
            catch (JsonException)
            {
                throw new SdpoFieldException(name, WireFields.MustBe(name, property.PropertyType, field.Value, Wire));
            }
        }
    }

    /// <summary>The options in the wire form, every field written.</summary>
    public static string Serialize(SdpoOptions options) => JsonSerializer.Serialize(options, Wire);

    private static JsonSerializerOptions CreateWire()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            // A number is a JSON number ("learningRate": "0.1" is an error, not 0.1; the web defaults read numbers from
            // strings), and an enum one of its kebab-case names exactly ("Frozen" is an error, not frozen).
            NumberHandling = JsonNumberHandling.Strict,
            Converters = { new KebabCaseEnumConverter(), new IntegralNumberConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
