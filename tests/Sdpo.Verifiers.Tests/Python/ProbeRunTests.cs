using System.Diagnostics;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

public sealed class ProbeRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sdpo-probe-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_probe_that_ends_gives_its_exit_code_and_what_it_wrote()
    {
        var outcome = await ProbeRun.RunAsync(Shell("echo out; echo err >&2; exit 3"), TimeSpan.FromSeconds(30), fromLauncher: true);
        Assert.Equal(new ProbeOutcome(3, "out\n", "err\n"), outcome);
    }

    [Fact]
    public async Task A_probe_that_outlasts_its_timeout_is_killed_with_its_children()
    {
        // The shell and its sleeping child: the sandbox's hung test run (bwrap and the python under it) was left running.
        var pids = Path.Combine(_folder, "pids");
        var outcome = await ProbeRun.RunAsync(Shell($"sleep 300 & echo $$ $! > '{pids}.tmp'; mv '{pids}.tmp' '{pids}'; wait"), TimeSpan.FromSeconds(5), fromLauncher: false);

        Assert.Null(outcome);
        Assert.True(File.Exists(pids), "the probe's shell did not start within its 5 s timeout");
        foreach (var pid in File.ReadAllText(pids).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
            await ProcessGone.AssertAsync(pid, "a process of the probe");
    }

    private static ProcessStartInfo Shell(string script)
    {
        var start = new ProcessStartInfo("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return start;
    }
}
