using System.ComponentModel.DataAnnotations;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Configuration;

/// <summary>How the service queues, runs, stores and streams discovery runs (section "Service").</summary>
public sealed class ServiceOptions
{
    public const string SectionName = "Service";

    /// <summary>Folder for the SQLite database and each run's state; relative paths are taken from the repository root (from the binaries' folder in a published build, where its appsettings.json is).</summary>
    [Required] public string DataFolder { get; set; } = "data";

    /// <summary>Runs that may wait per device before a submission is refused with 429.</summary>
    [Range(1, 100_000)] public int QueueCapacity { get; set; } = 64;

    /// <summary>Runs one device works on at the same time.</summary>
    [Range(1, 64)] public int RunsPerDevice { get; set; } = 1;

    /// <summary>Seconds between keep-alive comments on an idle event stream.</summary>
    [Range(0.01, 3600)] public double KeepAliveSeconds { get; set; } = 15;

    /// <summary>Largest accepted request body.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The configuration key of <see cref="MaxRequestBodyBytes"/>, which a 413 names.</summary>
    public const string MaxRequestBodyBytesKey = $"{SectionName}:{nameof(MaxRequestBodyBytes)}";

    /// <summary>Retry-After sent with a 429 when a queue is full.</summary>
    [Range(1, 3600)] public int RetryAfterSeconds { get; set; } = 10;

    /// <summary>Most records the background writer saves in one transaction.</summary>
    [Range(1, 100_000)] public int WriterBatchSize { get; set; } = 512;

    /// <summary>Load every configured model in the background as the service starts; false loads each on first use.</summary>
    public bool LoadModelsAtStart { get; set; } = true;

    /// <summary>How long a submission waits for its model to finish loading before it is answered 503 (retry later).</summary>
    [Range(0, 600)] public double ModelLoadWaitSeconds { get; set; } = 5;

    /// <summary>After a model failed to load, the next use tries again once this many seconds have passed.</summary>
    [Range(0, 86_400)] public double ModelRetrySeconds { get; set; } = 30;

    /// <summary>Most attempts one run may ask for (budget.maxAttempts, a benchmark's too); more is answered 400. At most the engine's own limit.</summary>
    [Range(1, DiscoveryBudget.MaxAllowedAttempts)] public int MaxAttemptsPerRun { get; set; } = DiscoveryBudget.MaxAllowedAttempts;

    /// <summary>The configuration key of <see cref="MaxAttemptsPerRun"/>, which a 400 names.</summary>
    public const string MaxAttemptsPerRunKey = $"{SectionName}:{nameof(MaxAttemptsPerRun)}";

    /// <summary>Days an ended run of no benchmark, or an ended benchmark with its runs, is kept before the service deletes
    /// it (records and folders); unset keeps everything for ever.</summary>
    [Range(0.00001, 36_500)] public double? RetainEndedRunsDays { get; set; }
}
