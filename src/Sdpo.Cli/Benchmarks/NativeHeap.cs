using System.Runtime.InteropServices;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// glibc keeps freed native memory in its arenas instead of returning it to the system, so a working set can
/// creep up with no live allocation behind it. Trimming before a measurement separates memory still held
/// (a leak) from memory merely cached by the allocator.
/// </summary>
public static class NativeHeap
{
    /// <summary>Returns free arena memory to the system; false where glibc's malloc_trim is unavailable.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
