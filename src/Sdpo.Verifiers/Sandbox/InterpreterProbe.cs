using System.Diagnostics;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Runs the configured python3 once, outside any sandbox: a wrong PythonPath otherwise showed as every attempt's own
/// runtime error (exit code 127 from prlimit) and as a bubblewrap failure in the sandbox's probe, which runs python too.
/// </summary>
internal static class InterpreterProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Null when <paramref name="pythonPath"/> can be run; otherwise why not, naming the setting. Only what is
    /// surely the configuration's fault counts: a program that cannot be started (missing, not executable), that the
    /// kernel or a shell could not run (exit codes 126 and 127), or that hangs. A stand-in interpreter (a script) that
    /// fails this one-line test for its own reasons is left to the runs.</summary>
    public static async Task<string?> RunAsync(string pythonPath)
    {
        var fix = $"set {Python.PythonVerifierOptions.SectionName}:PythonPath to a python3 the service's user can run";
        var start = new ProcessStartInfo(pythonPath);
        foreach (var argument in new[] { "-I", "-c", "pass" }) start.ArgumentList.Add(argument);
        try
        {
            if (await ProbeRun.RunAsync(start, Timeout, fromLauncher: false).ConfigureAwait(false) is not { } probe)
                return $"the Python interpreter {pythonPath} did not answer within {Timeout.TotalSeconds:0} s; {fix}";
            var said = probe.Error.Trim();
            return probe.ExitCode is 126 or 127
                ? $"the Python interpreter {pythonPath} cannot be run (exit code {probe.ExitCode}{(said.Length > 0 ? $": {said[..Math.Min(said.Length, 300)]}" : "")}); {fix}"
                : null;
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"the Python interpreter {pythonPath} cannot be started ({error.Message}); {fix}";
        }
    }
}
