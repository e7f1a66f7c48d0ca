using Microsoft.Extensions.Options;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Python;

namespace Sdpo.Service.Configuration;

/// <summary>Checks the "Verifiers:Python" settings at start, naming the key that is out of range.</summary>
public sealed class PythonVerifierOptionsValidation : IValidateOptions<PythonVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, PythonVerifierOptions options)
    {
        var failures = new List<string>();
        const string section = PythonVerifierOptions.SectionName;
        if (!(options.TimeoutSeconds > 0)) failures.Add($"{section}:TimeoutSeconds must be positive.");
        if (options.MaxTimeoutSeconds < options.TimeoutSeconds) failures.Add($"{section}:MaxTimeoutSeconds must be at least TimeoutSeconds.");
        // The sandbox's own floors (ResolvedSandboxOptions), checked here so that a value under them is one line at start, not a crash.
        if (options.MemoryMb < 32) failures.Add($"{section}:MemoryMb must be at least 32.");
        if (options.MaxMemoryMb < options.MemoryMb) failures.Add($"{section}:MaxMemoryMb must be at least MemoryMb.");
        if (options.MaxConcurrency < 1) failures.Add($"{section}:MaxConcurrency must be at least 1.");
        if (options.ProcessLimit < 4) failures.Add($"{section}:ProcessLimit must be at least 4 (bwrap and python need a few).");
        if (options.OpenFilesLimit < 16) failures.Add($"{section}:OpenFilesLimit must be at least 16.");
        if (options.MaxOutputBytes < 1024) failures.Add($"{section}:MaxOutputBytes must be at least 1024.");
        if (options.TmpSizeBytes < 1024 * 1024) failures.Add($"{section}:TmpSizeBytes must be at least 1 MiB (1048576).");
        if (options.ShmSizeBytes < 1024 * 1024) failures.Add($"{section}:ShmSizeBytes must be at least 1 MiB (1048576).");
        if (options.OutputKillBytes < options.MaxOutputBytes) failures.Add($"{section}:OutputKillBytes must be at least MaxOutputBytes.");
        if (options.SandboxUserIdBase < 0) failures.Add($"{section}:SandboxUserIdBase must not be negative.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks the "Verifiers:Http" settings at start, naming the key that is out of range.</summary>
public sealed class HttpVerifierOptionsValidation : IValidateOptions<HttpVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpVerifierOptions options)
    {
        var failures = new List<string>();
        const string section = HttpVerifierOptions.SectionName;
        if (!(options.AttemptTimeoutSeconds > 0)) failures.Add($"{section}:AttemptTimeoutSeconds must be positive.");
        if (options.TotalTimeoutSeconds < options.AttemptTimeoutSeconds) failures.Add($"{section}:TotalTimeoutSeconds must be at least AttemptTimeoutSeconds.");
        if (options.MaxRetryAttempts is < 0 or > 10) failures.Add($"{section}:MaxRetryAttempts must be between 0 and 10.");
        if (options.RetryBaseDelaySeconds < 0) failures.Add($"{section}:RetryBaseDelaySeconds must not be negative.");
        if (options.CircuitFailureRatio is <= 0 or > 1) failures.Add($"{section}:CircuitFailureRatio must be in (0, 1].");
        if (options.CircuitMinimumThroughput < 2) failures.Add($"{section}:CircuitMinimumThroughput must be at least 2.");
        if (!(options.CircuitSamplingSeconds >= 0.5)) failures.Add($"{section}:CircuitSamplingSeconds must be at least 0.5.");
        if (!(options.CircuitBreakSeconds >= 0.5)) failures.Add($"{section}:CircuitBreakSeconds must be at least 0.5.");
        if (options.MaxResponseBytes < 256) failures.Add($"{section}:MaxResponseBytes must be at least 256.");
        if (options.MaxFeedbackChars < 64) failures.Add($"{section}:MaxFeedbackChars must be at least 64.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
