using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>
/// The host trusts a result only with the HMAC of the key it gave the run. Stand-in interpreters play the harness:
/// one that signs with the run's key is believed, one that signs with any other key is not.
/// </summary>
public sealed class ResultSignatureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sdpo-signature-").FullName;

    [PythonFact]
    public async Task AResultSignedWithTheRunsKeyIsBelieved()
    {
        var verdict = await RunWithStandIn("bytes.fromhex(job[\"key\"])");
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.Equal("signed", verdict.Feedback);
    }

    [PythonFact]
    public async Task AResultSignedWithAnotherKeyIsNot()
    {
        var verdict = await RunWithStandIn("b\"a guessed key\"");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("something other than the test harness", verdict.Feedback);
    }

    /// <param name="keyExpression">Python for the key to sign with (no single quotes: the script is quoted with them).</param>
    private async Task<Verdict> RunWithStandIn(string keyExpression)
    {
        // The system's interpreter, as the sandbox prefers: one under /root (pyenv) is out of the per-run uid's reach.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(folder => Path.Combine(folder, "python3")).First(File.Exists);
        var script = Path.Combine(_folder, "python3");
        // Ignores the harness it is given; reads the job as the harness does and writes a passing result.
        await File.WriteAllTextAsync(script, $$"""
            #!/bin/sh
            exec {{python}} -c '
            import hashlib, hmac, json, sys
            job = json.loads(sys.stdin.read())
            key = {{keyExpression}}
            mac = hmac.new(key, b"passed\nsigned", hashlib.sha256).hexdigest()
            open(job["resultPath"], "w").write(json.dumps({"status": "passed", "feedback": "signed", "mac": mac}))
            '
            """);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        // Runs as the per-run uid when the tests run as root: readable and executable by all.
        const UnixFileMode everyone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_folder, everyone);
        File.SetUnixFileMode(script, everyone);
        using var sandbox = new Sdpo.Verifiers.Sandbox.PythonSandbox(new PythonVerifierOptions { PythonPath = script, UseBubblewrap = false });
        return await Sandboxes.RunPython(sandbox, "x = 1\n", "assert x == 2\n");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
