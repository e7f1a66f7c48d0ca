using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;

namespace Sdpo.Cli;

/// <summary>SDPO options given on the command line (--sdpo) as JSON, in the service's wire format (camelCase
/// fields, kebab-case enums such as "reverse-kl"), laid over the model's defaults (<see cref="SdpoDefaults"/>);
/// unknown fields are errors, so a typo never silently means a default.</summary>
public static class SdpoOptionsJson
{
    /// <summary><paramref name="json"/>'s fields (null, or the JSON null: none, as the service's "sdpo": null) over <paramref name="defaults"/> (null: the paper's),
    /// then the learning rate override, validated; or an error message naming --sdpo.</summary>
    public static bool TryParse(string? json, double? learningRate, SdpoOptions? defaults, [NotNullWhen(true)] out SdpoOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        try
        {
            var baseline = defaults ?? new SdpoOptions();
            SdpoOptions parsed;
            if (json is null) parsed = baseline;
            else
            {
                using var document = JsonDocument.Parse(json);
                parsed = SdpoDefaults.Overlay(baseline, document.RootElement);
            }
            if (learningRate is { } lr) parsed = parsed with { LearningRate = lr };
            parsed.Validate();
            options = parsed;
            error = null;
            return true;
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The options' own message ("sdpo.loraRank must be between 1 and 256."), without .NET's parameter note;
            // a learning rate out of range came from --lr when it was given.
            var message = e.Message;
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            error = learningRate is not null && e.ParamName == nameof(SdpoOptions.LearningRate)
                ? message.Replace("sdpo.learningRate", "--lr", StringComparison.Ordinal)
                : $"--sdpo: {message}";
            return false;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            error = $"--sdpo: {e.Message}";
            return false;
        }
    }

    /// <summary><see cref="TryParse"/> for options already validated: throws <see cref="ArgumentException"/> on an error.</summary>
    public static SdpoOptions Parse(string? json, double? learningRate = null, SdpoOptions? defaults = null) =>
        TryParse(json, learningRate, defaults, out var options, out var error) ? options : throw new ArgumentException(error);

    /// <summary><see cref="Parse"/> over the SDPO defaults of the checkpoint in <paramref name="modelFolder"/>; throws
    /// <see cref="CheckpointException"/> when its sdpo_defaults.json is malformed.</summary>
    public static SdpoOptions ParseForModel(string? json, double? learningRate, string modelFolder) =>
        Parse(json, learningRate, SdpoDefaults.Load(modelFolder));
}
