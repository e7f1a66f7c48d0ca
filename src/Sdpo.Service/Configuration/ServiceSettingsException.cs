namespace Sdpo.Service.Configuration;

/// <summary>
/// The service cannot start because a setting is wrong; the message names each setting, its value and what it may be.
/// The host logs it as it stops the start, and the program exits with code 1: its stack trace says nothing more, so it
/// has none.
/// </summary>
public sealed class ServiceSettingsException(string message) : Exception(message)
{
    public override string? StackTrace => null;
}
