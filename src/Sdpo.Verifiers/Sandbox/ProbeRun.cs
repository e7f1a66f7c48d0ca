using System.Diagnostics;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>What a probe's program did: its exit code and what it wrote.</summary>
internal sealed record ProbeOutcome(int ExitCode, string Output, string Error);

/// <summary>
/// Runs one of the start-up probes' short programs (python3's test, bubblewrap's) to its end: no input, its output and
/// error read whole, and killed, its whole tree, when it outlasts its timeout, so that a hung probe leaves no process
/// behind (the sandbox's test left a hung bwrap running for the life of the service).
/// </summary>
internal static class ProbeRun
{
    /// <summary>The outcome, or null when the program outlasted <paramref name="timeout"/> and was killed. Throws what
    /// <see cref="Process.Start()"/> throws. <paramref name="fromLauncher"/> starts it on <see cref="ProcessLauncher"/>'s
    /// thread, as a bubblewrap with --die-with-parent must be.</summary>
    public static async Task<ProbeOutcome?> RunAsync(ProcessStartInfo start, TimeSpan timeout, bool fromLauncher)
    {
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = new Process { StartInfo = start };
        if (fromLauncher) await ProcessLauncher.StartAsync(process).ConfigureAwait(false);
        else process.Start();
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
        return new ProbeOutcome(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
