using System.Diagnostics;
using Sdpo.Verifiers.Sandbox;

namespace Sdpo.Verifiers.Tests.Python;

public class ProcessLauncherTests
{
    [Fact]
    public async Task AProcessThatDiesWithItsParentOutlivesTheThreadThatAskedForIt()
    {
        // setpriv --pdeathsig stands for bwrap's --die-with-parent: both are killed when the thread that forked them
        // ends. The thread here asks for the process, lives on a second (as a pool thread would), then ends. setpriv is
        // util-linux's, which the sandbox needs too.
        Process? process = null;
        var thread = new Thread(() =>
        {
            var start = new ProcessStartInfo("/usr/bin/setpriv") { UseShellExecute = false };
            foreach (var argument in new[] { "--pdeathsig", "KILL", "--", "sleep", "2" }) start.ArgumentList.Add(argument);
            process = new Process { StartInfo = start };
            ProcessLauncher.StartAsync(process).GetAwaiter().GetResult();
            Thread.Sleep(TimeSpan.FromSeconds(1));
        });
        thread.Start();
        thread.Join();
        using (process)
        {
            await process!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
        }
    }
}
