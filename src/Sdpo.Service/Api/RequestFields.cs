using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Api;

/// <summary>Maps JSON paths, JSON and engine option errors, and model names to the request field a 400 names.</summary>
public static class RequestFields
{
    /// <summary>"$.budget.maxAttempts" → "budget.maxAttempts"; the body itself for "$".</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return trimmed.Length == 0 ? "body" : trimmed;
    }

    /// <summary>The 400 for a body that is JSON but not the request: a field it does not know, or one of the wrong type or
    /// value (with <paramref name="validValues"/>' note on what it takes, where that names one for the field). A fallback:
    /// <see cref="CheckFields"/> names such fields first, with what they take.</summary>
    public static RequestFieldException InvalidField(JsonException ex, Func<string, string?>? validValues = null)
    {
        var field = FieldOf(ex.Path);
        if (IsUnknownField(ex)) return new RequestFieldException(field, $"'{field}' is not a known field.");
        var note = validValues?.Invoke(field);
        return new RequestFieldException(field, $"'{field}' has an invalid value or type" + (note is null ? "." : $"; {note}."));
    }

    /// <summary>
    /// A 400 naming the first field of a parsed request body (a JSON object, read as <typeparamref name="T"/> in the
    /// service's wire form, <see cref="ServiceJson.StrictOptions"/>) that the request does not have or that its type
    /// cannot read, before the body is deserialized: named as written ("budget.maxAttempts", "compareWith[0]") with what
    /// it takes, as the SDPO fields' errors are: <c>method must be one of sdpo, best-of-k, multi-turn, self-teacher; got
    /// "bestofk".</c>, <c>budget.maxAttempts must be an integer; got "64".</c> Problem specs (JSON values the problem
    /// resolver reads) are left to it.
    /// </summary>
    public static void CheckFields<T>(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new RequestFieldException("body", $"The request body must be a JSON object; got {WireFields.Shown(body)}.");
        CheckObject(body, ServiceJson.StrictOptions.GetTypeInfo(typeof(T)), prefix: null);
    }

    private static void CheckObject(JsonElement value, JsonTypeInfo info, string? prefix)
    {
        var comparison = info.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var fields = info.Properties.Where(Settable).ToList();
        foreach (var member in value.EnumerateObject())
        {
            var field = prefix is null ? member.Name : $"{prefix}.{member.Name}";
            var property = fields.FirstOrDefault(p => string.Equals(p.Name, member.Name, comparison))
                ?? throw new RequestFieldException(field, $"'{field}' is not a known field; the fields are {string.Join(", ", fields.Select(p => p.Name))}.");
            CheckValue(member.Value, property.PropertyType, field, info.Options);
        }
    }

    /// <summary>A property a request can set: not [JsonIgnore]d, and with a setter or a constructor parameter (a
    /// computed property such as budget's effectiveChains is not a field of the request).</summary>
    private static bool Settable(JsonPropertyInfo property) =>
        (property.Set is not null || property.AssociatedParameter is not null)
        && property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true)
            .OfType<JsonIgnoreAttribute>().Any(ignore => ignore.Condition == JsonIgnoreCondition.Always) != true;

    private static void CheckValue(JsonElement value, Type type, string field, JsonSerializerOptions options)
    {
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(JsonElement)) return;
        if (value.ValueKind == JsonValueKind.Null && (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null)) return;
        var info = options.GetTypeInfo(type);
        if (info.Kind == JsonTypeInfoKind.Object && info.Properties.Count > 0 && value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(value, info, field);
            return;
        }
        if (info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } elementType && value.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray()) CheckValue(item, elementType, $"{field}[{index++}]", options);
            return;
        }
        try
        {
            value.Deserialize(info);
        }
        catch (JsonException)
        {
            throw new RequestFieldException(field, WireFields.MustBe(field, type, value, options));
        }
    }

    /// <summary>A 400 naming the first string or field name of a parsed body that is not Unicode text (a lone
    /// surrogate escape, bytes that are not UTF-8), before anything reads it as a string and throws.</summary>
    public static void CheckText(JsonElement body)
    {
        if (JsonText.FindInvalid(body) is { } notText) throw new RequestFieldException(notText.Field, notText.Message);
    }

    public static bool IsUnknownField(JsonException ex) => ex.Message.Contains("could not be mapped", StringComparison.Ordinal);

    /// <summary>The configured model a request names, or the default one; a 400 naming "model" when no such model is
    /// configured, and <see cref="ServiceUnavailableException"/> when none is.</summary>
    public static ModelInfo ConfiguredModel(IEngineProvider engines, string? name) =>
        engines.Find(name) ?? throw (name is null
            ? new ServiceUnavailableException("No model is configured.")
            : new RequestFieldException("model", $"Unknown model '{name}'. Known models: {string.Join(", ", engines.Models.Select(m => m.Name))}."));

    /// <summary>The operator's cap on the attempts of one run (<see cref="ServiceOptions.MaxAttemptsPerRun"/>), within the
    /// engine's own limit, so that one request cannot hold a device for hours.</summary>
    public static void CheckMaxAttempts(string field, int maxAttempts, ServiceOptions options)
    {
        if (maxAttempts <= options.MaxAttemptsPerRun) return;
        // A cap below the default budget refuses requests that left the budget out: say where the number came from.
        var origin = field == "budget.maxAttempts" && maxAttempts == DefaultMaxAttempts ? ", the default when the request does not set it" : "";
        throw new RequestFieldException(field,
            $"{field} must be at most {options.MaxAttemptsPerRun} on this service ({ServiceOptions.MaxAttemptsPerRunKey}); got {maxAttempts}{origin}.");
    }

    private static readonly int DefaultMaxAttempts = new DiscoveryBudget().MaxAttempts;

    /// <summary>Runs an engine option record's Validate(); its out-of-range error becomes a 400 naming "section.option".</summary>
    public static void ValidateOptions(string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            var name = ex.ParamName is { Length: > 0 } p ? char.ToLowerInvariant(p[0]) + p[1..] : "";
            var message = ex.Message;
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new RequestFieldException(name.Length > 0 ? $"{section}.{name}" : section, message);
        }
    }

    /// <summary>sdpo.loraLayers may name only layers the model has.</summary>
    public static void CheckLoraLayers(SdpoOptions sdpo, IDiscoveryEngine engine)
    {
        foreach (var layer in sdpo.LoraLayers ?? [])
            if (layer >= engine.DecoderLayers)
                throw new RequestFieldException("sdpo.loraLayers",
                    $"sdpo.loraLayers names layer {layer}, but model '{engine.ModelName}' has {engine.DecoderLayers} decoder layers (0 to {engine.DecoderLayers - 1}).");
    }

    /// <summary>sdpo.loraModules may name only linear modules the model has.</summary>
    public static void CheckLoraModules(SdpoOptions sdpo, IDiscoveryEngine engine)
    {
        foreach (var module in sdpo.LoraModules ?? [])
            if (!engine.AdaptableModules.Contains(module, StringComparer.Ordinal))
                throw new RequestFieldException("sdpo.loraModules",
                    $"sdpo.loraModules names '{module}', but model '{engine.ModelName}' has no such linear module; it has {string.Join(", ", engine.AdaptableModules)}.");
    }

    /// <summary>sampling.constrained needs the problem's verifier to define well-formed answers.</summary>
    public static void CheckConstrained(AttemptSampling sampling, IVerifier verifier, string problemField)
    {
        if (sampling.Constrained && verifier is not IGrammarVerifier)
            throw new RequestFieldException("sampling.constrained",
                $"sampling.constrained needs a verifier that defines well-formed answers (arithmetic problems have one); {problemField} uses the '{verifier.Kind}' verifier, which has none.");
    }

    /// <summary>sampling.distinctEquivalence needs the problem's verifier to tell equivalent answers apart.</summary>
    public static void CheckDistinctEquivalence(AttemptSampling sampling, IVerifier verifier, string problemField)
    {
        if (sampling.DistinctEquivalence && verifier is not IEquivalenceVerifier)
            throw new RequestFieldException("sampling.distinctEquivalence",
                $"sampling.distinctEquivalence needs a verifier that can tell equivalent answers apart before verifying (arithmetic problems have one); {problemField} uses the '{verifier.Kind}' verifier, which cannot.");
    }

    /// <summary>The "sdpo" object of a parsed JSON request body as sent (its name matched case-insensitively, as the
    /// body's fields are), so that only the fields it gives replace the model's defaults; null when the body has none.</summary>
    public static JsonElement? SdpoFieldsOf(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in body.EnumerateObject())
            if (string.Equals(property.Name, "sdpo", StringComparison.OrdinalIgnoreCase)) return property.Value.Clone();
        return null;
    }

    /// <summary>A 400 naming the first field of the request's "sdpo" object (<see cref="SdpoFieldsOf"/>) that is not an
    /// SDPO option or not of its type or values, with what it takes (<see cref="SdpoDefaults.CheckFields"/>): before the
    /// whole body is read, so that the message is the option's own and not the serializer's.</summary>
    public static void CheckSdpoFields(JsonElement? fields)
    {
        if (fields is not { } given) return;
        try
        {
            SdpoDefaults.CheckFields(given);
        }
        catch (SdpoFieldException ex)
        {
            throw new RequestFieldException(ex.Field, ex.Message);
        }
    }

    /// <summary>The SDPO options of a checked request on a model: the request's own fields over the model's
    /// recommended defaults (<see cref="SdpoDefaults"/>). Fields already passed the request's checks; a field that is
    /// out of range only together with the model's values is still a 400 naming it.</summary>
    public static SdpoOptions SdpoOverModel(SdpoOptions modelDefaults, JsonElement? fields)
    {
        if (fields is not { } given) return modelDefaults;
        SdpoOptions? merged = null;
        ValidateOptions("sdpo", () => merged = SdpoDefaults.Overlay(modelDefaults, given));
        return merged!;
    }
}
