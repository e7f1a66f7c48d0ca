using System.Text.Json.Nodes;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>
/// A spec's check runs on a request: while it waits for the one-time bubblewrap probe or for python3 it holds no thread
/// (its task is pending when the call returns), and the request's cancellation ends the wait and kills the check. The
/// programs here are scripts that wait until the test lets them go, so nothing depends on how fast the machine is.
/// </summary>
public sealed class SpecCheckWaitTests : IDisposable
{
    private static readonly JsonObject Job = new() { ["mode"] = "tests", ["tests"] = "assert True" };
    private readonly string _folder = Directory.CreateTempSubdirectory("sdpo-spec-check-").FullName;

    public void Dispose()
    {
        // Lets go of a script still waiting (the probe's bwrap, which the probe itself waits for).
        File.WriteAllText(Gate, "");
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* a script still exiting; the temp folder is cleaned eventually */ }
    }

    private string Gate => Path.Combine(_folder, "gate");

    [PythonFact]
    public async Task ACheckWaitingForTheBubblewrapProbeHoldsNoThreadAndEndsWhenItsRequestGoes()
    {
        // The probe runs this bwrap, which waits for the gate; the probe would give up only after 20 s.
        var bubblewrap = Script("bwrap", $"while [ ! -e '{Gate}' ]; do sleep 0.05; done\nexit 1");
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { BubblewrapPath = bubblewrap, SandboxUserIdBase = 0 });
        using var request = new CancellationTokenSource();

        var check = sandbox.CheckSpecCodeAsync(Job, request.Token);
        Assert.False(check.IsCompleted, "the call returned only once the check had ended: it held the caller's thread");

        request.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(sandbox.UnsandboxedReasonAsync().IsCompleted, "the probe goes on for the runs, whatever became of the request that first waited for it");
    }

    [PythonFact]
    public async Task ACheckWhoseRequestGoesIsKilledAndNotRemembered()
    {
        // python3 stands in: it passes the interpreter's one-line test (-I -c pass) at once; as the check, it says when it has
        // started, then waits for the gate and answers that the tests are fine.
        var started = Path.Combine(_folder, "started");
        var python = Script("python3", $"[ \"$2\" = -c ] && exit 0\necho $$ > '{started}'\nwhile [ ! -e '{Gate}' ]; do sleep 0.05; done\ncat > /dev/null\necho '{{}}'");
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { PythonPath = python, UseBubblewrap = false, SandboxUserIdBase = 0 });
        using var request = new CancellationTokenSource();

        var check = sandbox.CheckSpecCodeAsync(Job, request.Token);
        Assert.False(check.IsCompleted, "the call returned only once the check had ended: it held the caller's thread");
        var pid = await PidOnceStartedAsync(started);
        Assert.False(check.IsCompleted);

        // Well within the check's own 10 s timeout, which would end it too.
        request.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromSeconds(5)));
        await ProcessGone.AssertAsync(pid, "the check, after its request went,");

        // Not remembered as let through: the same spec is checked again, and this time answered.
        File.Delete(started);
        File.WriteAllText(Gate, "");
        Assert.Null(await sandbox.CheckSpecCodeAsync(Job).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(File.Exists(started), "the second check was answered from a remembered first one");
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static async Task<int> PidOnceStartedAsync(string file)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid)) return pid;
            Assert.True(DateTime.UtcNow < deadline, "the check's program did not start within 30 s");
            await Task.Delay(20);
        }
    }
}
