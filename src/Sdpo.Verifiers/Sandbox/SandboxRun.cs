namespace Sdpo.Verifiers.Sandbox;

/// <summary>What the harness reported through its private channel (status is a wire name, e.g. "wrong").</summary>
public sealed record HarnessResult(string Status, string Feedback);

/// <summary>Time and memory granted to one run.</summary>
public sealed record PythonRunLimits(TimeSpan Timeout, int MemoryMb);

/// <summary>
/// The outcome of one sandboxed harness run. <see cref="Result"/> is null when the harness did not report
/// (killed, exited early, channel tampered with); <see cref="ResultProblem"/> then says what was found.
/// <see cref="RefusedReason"/> is set when nothing ran (sandbox required but unavailable, tools missing), and
/// <see cref="SandboxFailedToStart"/> when bubblewrap reported an error and a fresh probe confirmed that it fails.
/// </summary>
public sealed record SandboxRun(
    HarnessResult? Result,
    string? ResultProblem,
    int? ExitCode,
    bool TimedOut,
    bool OutputLimitExceeded,
    string StdoutTail,
    string StderrTail,
    long OutputBytes,
    TimeSpan Duration,
    bool Sandboxed,
    string? RefusedReason = null,
    bool SandboxFailedToStart = false)
{
    /// <summary>The signal that ended the process, recovered from the 128+n exit-code convention.</summary>
    public int? Signal => ExitCode is > 128 and < 160 ? ExitCode - 128 : null;
}
