using Microsoft.Extensions.Options;

namespace Sdpo.Service.Configuration;

/// <summary>
/// Validates every setting checked at start (ValidateOnStart) as the first hosted service is built. The host builds all
/// its hosted services before it validates, and the model provider reads the Models settings as it is built: a mistake
/// there escaped as an OptionsValidationException with its stack trace, and the process aborted (exit code 134). Raised
/// here instead as a <see cref="ServiceSettingsException"/>, which the host logs as one line and Program.cs ends with
/// exit code 1.
/// </summary>
public sealed class SettingsCheck : IHostedService
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
            throw new ServiceSettingsException(string.Join(" ", failures.SelectMany(f => (f as OptionsValidationException)?.Failures ?? [f.Message])));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
