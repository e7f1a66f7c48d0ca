using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Engine.Discovery;

namespace Sdpo.Cli;

/// <summary>SDPO options given on the command line as JSON, in the service's wire format (camelCase fields,
/// kebab-case enums such as "reverse-kl"); unknown fields are errors, so a typo never silently means a default.</summary>
public static class SdpoOptionsJson
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The defaults with <paramref name="json"/>'s fields (null: the defaults), then the learning rate
    /// override; validated. Throws <see cref="ArgumentException"/> naming the option on any problem.</summary>
    public static SdpoOptions Parse(string? json, double? learningRate = null, string optionName = "--sdpo")
    {
        SdpoOptions options;
        try
        {
            options = json is null ? new SdpoOptions() : JsonSerializer.Deserialize<SdpoOptions>(json, Wire) ?? new SdpoOptions();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{optionName}: {e.Message}", e);
        }
        if (learningRate is { } lr) options = options with { LearningRate = lr };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{optionName}: {e.Message}", e);
        }
        return options;
    }

    public static string Serialize(SdpoOptions options) => JsonSerializer.Serialize(options, Wire);
}
