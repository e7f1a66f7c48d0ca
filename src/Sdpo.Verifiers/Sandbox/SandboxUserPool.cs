using System.Collections.Concurrent;
using System.Globalization;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Hands each concurrent run a uid of its own (only when the service is root). Uids are claimed with a lock
/// file each, so two sandboxes, in this process or another, never share one: a shared uid would share the
/// process limit, and sweeping one run's leftovers would kill the other's processes.
/// </summary>
internal sealed class SandboxUserPool : IDisposable
{
    private const int SearchRange = 4096;
    private static readonly string LockFolder = Path.Combine(Path.GetTempPath(), "sdpo-sandbox-uids");

    private readonly List<FileStream> _locks = [];
    private readonly ConcurrentQueue<int> _free = new();

    public SandboxUserPool(int firstUid, int count)
    {
        Directory.CreateDirectory(LockFolder);
        for (var uid = firstUid; uid < firstUid + SearchRange && _locks.Count < count; uid++)
        {
            try
            {
                _locks.Add(new FileStream(Path.Combine(LockFolder, uid.ToString(CultureInfo.InvariantCulture) + ".lock"),
                    FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                _free.Enqueue(uid);
            }
            catch (IOException) { } // held by another sandbox
        }
        if (_locks.Count < count)
        {
            Dispose();
            throw new InvalidOperationException($"Could not claim {count} sandbox uids from {firstUid} to {firstUid + SearchRange - 1}.");
        }
    }

    /// <summary>A free uid; the caller's concurrency limit guarantees one is available.</summary>
    public int Rent() => _free.TryDequeue(out var uid) ? uid : throw new InvalidOperationException("No free sandbox uid.");

    public void Return(int uid) => _free.Enqueue(uid);

    /// <summary>
    /// Kills every process the uid still has and waits until they are gone, so the next run with this uid
    /// starts with its process budget. Zombies count against RLIMIT_NPROC too, but only whoever inherits them
    /// can reap them (bwrap's namespace init goes to the host's init, which may take a second): a few are
    /// tolerated, a fork bomb's worth is waited out.
    /// </summary>
    public static async Task SweepAsync(int uid, int toleratedZombies, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var (live, zombies) = ProcessesOf(uid);
            if ((live.Count == 0 && zombies <= toleratedZombies) || DateTime.UtcNow > deadline) return;
            foreach (var pid in live) NativeMethods.Kill(pid, NativeMethods.SigKill);
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static (List<int> Live, int Zombies) ProcessesOf(int uid)
    {
        var live = new List<int>();
        var zombies = 0;
        var uidText = uid.ToString(CultureInfo.InvariantCulture);
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var zombie = false;
                foreach (var line in File.ReadLines(Path.Combine(folder, "status")))
                {
                    if (line.StartsWith("State:", StringComparison.Ordinal)) zombie = line.Contains('Z');
                    if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
                    // "Uid:\treal\teffective\tsaved\tfs": the real uid is what RLIMIT_NPROC counts.
                    if (line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == uidText)
                    {
                        if (zombie) zombies++;
                        else live.Add(pid);
                    }
                    break;
                }
            }
            catch (IOException) { } // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return (live, zombies);
    }

    public void Dispose()
    {
        foreach (var held in _locks) held.Dispose();
        _locks.Clear();
    }
}
