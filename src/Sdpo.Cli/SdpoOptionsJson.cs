using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Engine.Discovery;

namespace Sdpo.Cli;

/// <summary>SDPO options given on the command line (--sdpo) as JSON, in the service's wire format (camelCase
/// fields, kebab-case enums such as "reverse-kl"); unknown fields are errors, so a typo never silently means a
/// default.</summary>
public static class SdpoOptionsJson
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The defaults with <paramref name="json"/>'s fields (null: the defaults), then the learning rate
    /// override, validated; or an error message naming --sdpo.</summary>
    public static bool TryParse(string? json, double? learningRate, [NotNullWhen(true)] out SdpoOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        try
        {
            var parsed = json is null ? new SdpoOptions() : JsonSerializer.Deserialize<SdpoOptions>(json, Wire) ?? new SdpoOptions();
            if (learningRate is { } lr) parsed = parsed with { LearningRate = lr };
            parsed.Validate();
            options = parsed;
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            error = $"--sdpo: {e.Message}";
            return false;
        }
    }

    /// <summary><see cref="TryParse"/> for options already validated: throws <see cref="ArgumentException"/> on an error.</summary>
    public static SdpoOptions Parse(string? json, double? learningRate = null) =>
        TryParse(json, learningRate, out var options, out var error) ? options : throw new ArgumentException(error);

    public static string Serialize(SdpoOptions options) => JsonSerializer.Serialize(options, Wire);
}
