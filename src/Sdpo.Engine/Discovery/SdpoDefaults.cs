using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// The SDPO options a checkpoint folder recommends for itself, in <c>sdpo_defaults.json</c>: the fields its makers
/// measured better on that model than the paper's defaults of <see cref="SdpoOptions"/>. A request's own SDPO fields
/// are laid over them field by field, so a request that sets only a learning rate keeps the model's divergence, and
/// one that names the paper's default explicitly gets it. Both use the wire form of the service's requests:
/// camelCase fields, kebab-case enums ("forward-kl"); an unknown field is an error, never a silent default.
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
    /// validated. A field given as null sets null (for example "logRatioClip": null turns the clip off). Throws
    /// <see cref="JsonException"/> on an unknown field or a wrong type and <see cref="ArgumentException"/> on a value out of range.</summary>
    public static SdpoOptions Overlay(SdpoOptions defaults, JsonElement fields)
    {
        if (fields.ValueKind == JsonValueKind.Null) return defaults;
        if (fields.ValueKind != JsonValueKind.Object)
            throw new JsonException($"SDPO options must be a JSON object, not {fields.ValueKind.ToString().ToLowerInvariant()}.");
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

    /// <summary>The options in the wire form, every field written.</summary>
    public static string Serialize(SdpoOptions options) => JsonSerializer.Serialize(options, Wire);

    private static JsonSerializerOptions CreateWire()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
