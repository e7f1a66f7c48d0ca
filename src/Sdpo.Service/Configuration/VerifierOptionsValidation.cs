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
        if (options.MemoryMb < 16) failures.Add($"{section}:MemoryMb must be at least 16.");
        if (options.MaxMemoryMb < options.MemoryMb) failures.Add($"{section}:MaxMemoryMb must be at least MemoryMb.");
        if (options.MaxConcurrency < 1) failures.Add($"{section}:MaxConcurrency must be at least 1.");
        if (options.ProcessLimit < 1) failures.Add($"{section}:ProcessLimit must be at least 1.");
        if (options.OpenFilesLimit < 8) failures.Add($"{section}:OpenFilesLimit must be at least 8.");
        if (options.MaxOutputBytes < 256) failures.Add($"{section}:MaxOutputBytes must be at least 256.");
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
