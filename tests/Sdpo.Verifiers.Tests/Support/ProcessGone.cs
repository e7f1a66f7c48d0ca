namespace Sdpo.Verifiers.Tests.Support;

/// <summary>Waits for a process a test expects killed: gone, or dead and waiting only to be reaped (a kill takes effect
/// when the process is next scheduled, so it is given a while).</summary>
public static class ProcessGone
{
    public static async Task AssertAsync(int pid, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!IsGone(pid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} (pid {pid}) was left running");
            await Task.Delay(20);
        }
    }

    private static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return true;
        }
    }
}
