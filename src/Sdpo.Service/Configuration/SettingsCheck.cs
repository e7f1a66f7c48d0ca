using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sdpo.Service.Configuration;

/// <summary>
/// Validates every setting checked at start (ValidateOnStart) as the first hosted service is built. The host builds all
/// its hosted services before it validates, and the model provider reads the Models settings as it is built: a mistake
/// there escaped as an OptionsValidationException with its stack trace, and the process aborted (exit code 134). Raised
/// here instead as a <see cref="ServiceSettingsException"/>, which the host logs as one line and Program.cs ends with
/// exit code 1. A value that does not parse (<c>QueueCapacity=abc</c>) is the binder's InvalidOperationException, told
/// the same way.
/// </summary>
public sealed partial class SettingsCheck : IHostedService
{
    public SettingsCheck(IStartupValidator validator)
    {
        try
        {
            validator.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            var failures = (ex as AggregateException)?.InnerExceptions ?? [ex];
            throw new ServiceSettingsException(string.Join(" ", failures.SelectMany(f => (f as OptionsValidationException)?.Failures ?? [Unparsable(f) ?? f.Message])));
        }
        catch (InvalidOperationException ex) when (Unparsable(ex) is { } message)
        {
            throw new ServiceSettingsException(message);
        }
    }

    /// <summary>The binder's "Failed to convert configuration value 'abc' at 'Service:QueueCapacity' to type
    /// 'System.Int32'." told as the setting, its value and what it must be; null for another exception.</summary>
    internal static string? Unparsable(Exception ex)
    {
        if (ex is not InvalidOperationException || ConversionFailure().Match(ex.Message) is not { Success: true } match) return null;
        var (value, key, type) = (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value);
        // A nullable setting (Models:N:Threads) is named by its underlying type.
        var expected = type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number (with a point for decimals: 0.5)",
            "System.Boolean" => "true or false",
            var other => $"a value of type {other}",
        };
        return $"{key} is '{value}'; it must be {expected}.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(.*)' at '([^']*)' to type '([^']*)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
