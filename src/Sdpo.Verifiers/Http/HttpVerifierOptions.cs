namespace Sdpo.Verifiers.Http;

/// <summary>Resilience settings for webhook verifiers; bind from configuration section <see cref="SectionName"/>.</summary>
public sealed class HttpVerifierOptions
{
    public const string SectionName = "Verifiers:Http";

    /// <summary>Per call; a spec's timeoutSeconds overrides it, up to <see cref="TotalTimeoutSeconds"/>.</summary>
    public double AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>For one verification, retries included.</summary>
    public double TotalTimeoutSeconds { get; set; } = 30;

    /// <summary>Retries after the first call, on 5xx, 429, network errors and per-call timeouts.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    public double RetryBaseDelaySeconds { get; set; } = 0.2;

    /// <summary>The circuit of one webhook host opens when this share of its recent calls failed...</summary>
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>...out of at least this many calls in <see cref="CircuitSamplingSeconds"/>.</summary>
    public int CircuitMinimumThroughput { get; set; } = 6;

    public double CircuitSamplingSeconds { get; set; } = 30;

    /// <summary>How long an open circuit refuses calls before trying one again.</summary>
    public double CircuitBreakSeconds { get; set; } = 30;

    public int MaxResponseBytes { get; set; } = 64 * 1024;

    public int MaxFeedbackChars { get; set; } = 8000;

    /// <summary>
    /// Allow webhook URLs that resolve to loopback, private, link-local or other special-use addresses (see
    /// <see cref="NetworkAddressPolicy"/>). Off by default so users cannot make the service call into its own network.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}
