using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Api;

/// <summary>The JSON conventions of the API: camelCase names, kebab-case enum values ("best-of-k", "reverse-kl") and
/// numbers as JSON numbers, an integer field's any integral one (64.0 is 64). A request's enum takes only its kebab-case names as written (not "BestOfK", "bestofk" or
/// 1) and a number field only a JSON number (not "64"): anything else is a 400 naming the field, never a guess.</summary>
public static class ServiceJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // The web defaults read numbers from strings too.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new KebabCaseEnumConverter());
        options.Converters.Add(new IntegralNumberConverter());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(ShowEverySdpoOption);
    }

    /// <summary>For responses and event payloads.</summary>
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For request bodies: an unknown property is an error naming it, not silently ignored.</summary>
    public static JsonSerializerOptions StrictOptions { get; } = Create(strict: true);

    /// <summary>
    /// Every SDPO option is written, those at their defaults included, so that GET /models' sdpoDefaults and a run's
    /// configuration.sdpo say every option a run gets. <see cref="SdpoOptions"/>' own wire form
    /// (<see cref="SdpoDefaults.Serialize"/>) leaves the later options out at their defaults, because run states and
    /// bench journals fingerprint it; that form is unchanged. Requests and runs stored without those fields still read:
    /// a field left out is its default.
    /// </summary>
    private static void ShowEverySdpoOption(JsonTypeInfo info)
    {
        if (info.Type != typeof(SdpoOptions)) return;
        foreach (var property in info.Properties) property.ShouldSerialize = static (_, _) => true;
    }

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
