using System.Globalization;
using System.Text;
using Sdpo.Contracts;
using Sdpo.Verifiers.Sandbox;

namespace Sdpo.Verifiers.Python;

/// <summary>Turns a sandbox run into the verdict a programmer would want to read.</summary>
internal static class SandboxVerdicts
{
    private const int TailChars = 1000;
    private const int SigKill = 9;
    private const int SigXcpu = 24;

    public static Verdict ToVerdict(SandboxRun run, PythonRunLimits limits, long outputKillBytes)
    {
        var (status, feedback) = Classify(run, limits, outputKillBytes);
        if (status != VerdictStatus.Passed && status != VerdictStatus.VerifierError) feedback += OutputTails(run);
        return new Verdict(status, feedback, run.Duration, run.Sandboxed);
    }

    private static (VerdictStatus, string) Classify(SandboxRun run, PythonRunLimits limits, long outputKillBytes)
    {
        var seconds = limits.Timeout.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        if (run.RefusedReason is { } refused) return (VerdictStatus.VerifierError, refused);
        if (run.Result is { } result)
        {
            return VerdictStatusNames.TryParse(result.Status, out var reported)
                ? (reported, result.Feedback)
                : (VerdictStatus.VerifierError, $"The harness reported an unknown status '{result.Status}'.");
        }
        if (run.TimedOut) return (VerdictStatus.Timeout, $"Time limit exceeded after {seconds} s.");
        if (run.OutputLimitExceeded)
            return (VerdictStatus.RuntimeError, $"Output limit exceeded: more than {outputKillBytes / (1024 * 1024)} MiB written to stdout/stderr; the run was stopped.");
        if (run.ResultProblem is { } problem)
            return (VerdictStatus.RuntimeError, $"The run produced no trustworthy result: {problem}. Nothing counts as a pass unless the checks ran to the end.");
        if (run.ExitCode is null)
            return (VerdictStatus.VerifierError, $"The Python process could not be run: {run.StderrTail.Trim()}");
        if (run.SandboxFailedToStart)
            return (VerdictStatus.VerifierError, $"The sandbox failed to start: {run.StderrTail.Trim()}");
        return run.Signal switch
        {
            SigXcpu => (VerdictStatus.Timeout, $"CPU time limit exceeded ({Math.Ceiling(limits.Timeout.TotalSeconds) + 1:0} s of CPU)."),
            SigKill => (VerdictStatus.RuntimeError, $"The process was killed (SIGKILL), most likely by a resource limit (memory {limits.MemoryMb} MB, CPU, processes)."),
            { } signal => (VerdictStatus.RuntimeError, $"The process was killed by signal {signal}."),
            null => (VerdictStatus.RuntimeError,
                $"The program exited (exit code {run.ExitCode}) before the checks finished; nothing counts as a pass unless every check ran."),
        };
    }

    private static string OutputTails(SandboxRun run)
    {
        var text = new StringBuilder();
        Append(text, "stdout", run.StdoutTail);
        Append(text, "stderr", run.StderrTail);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string name, string output)
    {
        output = output.TrimEnd();
        if (output.Length == 0) return;
        var tail = output.Length > TailChars ? "..." + output[^TailChars..] : output;
        text.Append(CultureInfo.InvariantCulture, $"\n--- {name} (last {Math.Min(TailChars, output.Length)} characters) ---\n{tail}");
    }
}
