using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Api;

/// <summary>Maps JSON paths and engine option errors to the request field a 400 names.</summary>
public static class RequestFields
{
    /// <summary>"$.budget.maxAttempts" → "budget.maxAttempts"; the body itself for "$".</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return trimmed.Length == 0 ? "body" : trimmed;
    }

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

    /// <summary>sampling.constrained needs the problem's verifier to define well-formed answers.</summary>
    public static void CheckConstrained(AttemptSampling sampling, IVerifier verifier, string problemField)
    {
        if (sampling.Constrained && verifier is not IGrammarVerifier)
            throw new RequestFieldException("sampling.constrained",
                $"sampling.constrained needs a verifier that defines well-formed answers (arithmetic problems have one); {problemField} uses the '{verifier.Kind}' verifier, which has none.");
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
