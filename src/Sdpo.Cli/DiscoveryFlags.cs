using System.Globalization;
using Sdpo.Engine.Discovery;

namespace Sdpo.Cli;

/// <summary>The ranges the engine takes for a run's budget and sampling, checked while the command line is parsed and
/// named by the flag as written: the engine's own check names the request's field (budget.maxAttempts) and comes with
/// .NET's parameter note ("(Parameter 'MaxAttempts') Actual value was -1.").</summary>
public static class DiscoveryFlags
{
    /// <summary>solve's and bench's flags: "--budget must be between 1 and 100000; got -1." for the first one out of range, else null.</summary>
    public static string? Check(int budget, int group, int? chains, double temperature) =>
        Attempts("--budget", budget) ?? Group("-g/--group", group)
        ?? (chains is { } c && (c < 1 || c > group) ? $"--chains must be between 1 and the group size ({group}); got {c}." : null)
        ?? Temperature(temperature);

    /// <summary>Attempts of one run: 1 to <see cref="DiscoveryBudget.MaxAllowedAttempts"/>.</summary>
    public static string? Attempts(string flag, long value) => Range(flag, value, 1, DiscoveryBudget.MaxAllowedAttempts);

    /// <summary>Attempts per step: 1 to <see cref="DiscoveryBudget.MaxAllowedAttemptsPerStep"/>.</summary>
    public static string? Group(string flag, int value) => Range(flag, value, 1, DiscoveryBudget.MaxAllowedAttemptsPerStep);

    /// <summary>The sampling temperature: above 0, at most <see cref="AttemptSampling.MaxTemperature"/>.</summary>
    public static string? Temperature(double value, string flag = "--temperature") =>
        value > 0 && value <= AttemptSampling.MaxTemperature ? null
        : $"{flag} must be in (0, {AttemptSampling.MaxTemperature.ToString(CultureInfo.InvariantCulture)}]; got {value.ToString(CultureInfo.InvariantCulture)}.";

    /// <summary>"{flag} must be between {minimum} and {maximum}; got {value}." when out of range, else null.</summary>
    public static string? Range(string flag, long value, long minimum, long maximum) =>
        value >= minimum && value <= maximum ? null : $"{flag} must be between {minimum} and {maximum}; got {value}.";
}
