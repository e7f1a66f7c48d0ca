using System.Diagnostics;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Runs the configured python3 once, outside any sandbox: a wrong PythonPath otherwise showed as every attempt's own
/// runtime error (exit code 127 from prlimit) and as a bubblewrap failure in the sandbox's probe, which runs python too.
/// </summary>
internal static class InterpreterProbe
{
    /// <summary>Null when <paramref name="pythonPath"/> can be run; otherwise why not, naming the setting. Only what is
    /// surely the configuration's fault counts: a program that cannot be started (missing, not executable), that the
    /// kernel or a shell could not run (exit codes 126 and 127), or that hangs. A stand-in interpreter (a script) that
    /// fails this one-line test for its own reasons is left to the runs.</summary>
    public static async Task<string?> RunAsync(string pythonPath)
    {
        var fix = $"set {Python.PythonVerifierOptions.SectionName}:PythonPath to a python3 the service's user can run";
        var start = new ProcessStartInfo(pythonPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-I", "-c", "pass" }) start.ArgumentList.Add(argument);
        try
        {
            using var probe = Process.Start(start)!;
            probe.StandardInput.Close();
            var output = probe.StandardOutput.ReadToEndAsync();
            var error = probe.StandardError.ReadToEndAsync();
            try
            {
                await probe.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                probe.Kill(entireProcessTree: true);
                return $"the Python interpreter {pythonPath} did not answer within 20 s; {fix}";
            }
            await output.ConfigureAwait(false);
            var said = (await error.ConfigureAwait(false)).Trim();
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
