using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Starts the sandbox's processes from one thread that lives as long as the service. bubblewrap's --die-with-parent
/// (PR_SET_PDEATHSIG) follows the thread that forked it, not the process: started from a thread-pool thread, a sandbox
/// was killed whenever the pool retired that thread during a long verification, and the verdict blamed the attempt.
/// </summary>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Pending = new();

    static ProcessLauncher()
    {
        new Thread(Launch) { IsBackground = true, Name = "Sandbox process launcher" }.Start();
    }

    /// <summary>Starts <paramref name="process"/> on the launcher's thread; the task ends once it has started, or throws what
    /// <see cref="Process.Start()"/> throws. Awaited, so that no caller's thread waits on the launcher's.</summary>
    public static Task StartAsync(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pending.Add((process, started));
        return started.Task;
    }

    private static void Launch()
    {
        foreach (var (process, started) in Pending.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception error)
            {
                started.SetException(error);
            }
        }
    }
}
