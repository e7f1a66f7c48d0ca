using Sdpo.Verifiers.Sandbox;

namespace Sdpo.Service.Problems;

/// <summary>
/// Tests python3 and bubblewrap as the service starts, in the background, so that their log lines (a wrong PythonPath, a
/// sandbox that is required but unavailable, code that will run unsandboxed) come at start rather than at the first
/// Python submission, and that submission is answered at once.
/// </summary>
public sealed class PythonVerifierProbe(PythonSandbox sandbox) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The probes catch their own failures; the start does not wait for them (each may take a second).
        _ = Task.Run(async () => await sandbox.UnavailableReasonAsync(), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
