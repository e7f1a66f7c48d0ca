using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sdpo.Service.Api;

/// <summary>The JSON conventions of the API: camelCase names, kebab-case enum values ("best-of-k", "reverse-kl").</summary>
public static class ServiceJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }

    /// <summary>For responses and event payloads.</summary>
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For request bodies: an unknown property is an error naming it, not silently ignored.</summary>
    public static JsonSerializerOptions StrictOptions { get; } = Create(strict: true);

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // As ASP.NET's own HTTP JSON options: stored events and streamed frames read like responses,
            // so an answer such as "7+5*3" or "x < 2" is not written as "7\u002B5*3" or "x \u003C 2".
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        Configure(options);
        if (strict) options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
