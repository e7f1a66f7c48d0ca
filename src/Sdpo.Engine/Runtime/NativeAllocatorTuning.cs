using System.Runtime.InteropServices;

namespace Sdpo.Engine.Runtime;

/// <summary>
/// Keeps LibTorch's CPU buffers in the C heap instead of handing them back to the kernel. With glibc's defaults,
/// every block over 128 KiB is its own mmap and freed memory at the heap's top is trimmed at once, so each
/// forward pass's activations and each KV-cache copy fault in fresh zeroed pages: on the embedded model that was
/// about half the cost of copying a batch's KV rows and a quarter of a self-teacher attempt's (docs/benchmarks.md,
/// "The C heap"). Blocks up to 32 MiB now come from the heap, and up to 1 GiB of freed heap stays mapped for reuse;
/// larger blocks (model weights) are still mapped and unmapped on their own. Peak memory does not change; memory is
/// given back later. Does nothing off Linux, with a C library that has no mallopt, when the environment already sets
/// glibc's malloc tunables (the operator's choice wins), or when <c>SDPO_NATIVE_HEAP=default</c>.
/// </summary>
public static class NativeAllocatorTuning
{
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int TopPad = -2; // M_TOP_PAD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    private const int HeapBlockLimitBytes = 32 << 20; // where glibc's own dynamic threshold stops growing on 64-bit
    private const int KeptFreeBytes = 1 << 30;
    private const int GrowthPadBytes = 256 << 20;

    private static readonly Lazy<bool> Applied = new(ApplyOnce);

    /// <summary>Tunes the C heap once per process; true when the settings were taken.</summary>
    public static bool Apply() => Applied.Value;

    /// <summary>Why the tuning is skipped in this environment, or null when it applies.</summary>
    public static string? SkipReason(Func<string, string?> environment, bool isLinux)
    {
        if (!isLinux) return "not Linux";
        if (string.Equals(environment("SDPO_NATIVE_HEAP"), "default", StringComparison.OrdinalIgnoreCase))
            return "SDPO_NATIVE_HEAP=default";
        foreach (var name in new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" })
            if (!string.IsNullOrEmpty(environment(name))) return $"{name} is set";
        return null;
    }

    private static bool ApplyOnce()
    {
        if (SkipReason(Environment.GetEnvironmentVariable, OperatingSystem.IsLinux()) is not null) return false;
        try
        {
            // mallopt returns 1 when it takes a setting.
            return mallopt(MmapThreshold, HeapBlockLimitBytes) == 1
                & mallopt(TrimThreshold, KeptFreeBytes) == 1
                & mallopt(TopPad, GrowthPadBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a C library without mallopt
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
