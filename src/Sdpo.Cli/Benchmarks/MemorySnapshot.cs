using System.Diagnostics;
using System.Globalization;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// Memory of this process at one moment, after a full collection so that only what is still referenced
/// counts: resident set (working set), the same after returning the native allocator's free memory to the
/// system (see <see cref="NativeHeap"/>), managed GC heap, and live TorchSharp tensors (native memory that a
/// leak in torch code would hold).
/// </summary>
public sealed record MemorySnapshot(long WorkingSetBytes, long TrimmedWorkingSetBytes, long GcHeapBytes, long LiveTensors)
{
    public static MemorySnapshot Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var workingSet = ReadWorkingSet();
        var trimmed = NativeHeap.Trim() ? ReadWorkingSet() : workingSet;
        return new MemorySnapshot(workingSet, trimmed, GC.GetTotalMemory(forceFullCollection: false), TorchSharp.torch.Tensor.TotalCount);
    }

    private static long ReadWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    public double WorkingSetMiB => WorkingSetBytes / (1024.0 * 1024);
    public double TrimmedWorkingSetMiB => TrimmedWorkingSetBytes / (1024.0 * 1024);
    public double GcHeapMiB => GcHeapBytes / (1024.0 * 1024);

    /// <summary>Relative growth of the working set from <paramref name="start"/> to this snapshot (0.05 = 5 %).</summary>
    public double WorkingSetGrowthSince(MemorySnapshot start) => (double)(WorkingSetBytes - start.WorkingSetBytes) / start.WorkingSetBytes;

    public double TrimmedWorkingSetGrowthSince(MemorySnapshot start) =>
        (double)(TrimmedWorkingSetBytes - start.TrimmedWorkingSetBytes) / start.TrimmedWorkingSetBytes;

    public double GcHeapGrowthSince(MemorySnapshot start) => (double)(GcHeapBytes - start.GcHeapBytes) / start.GcHeapBytes;

    /// <summary>The GC heap's growth since <paramref name="start"/>, as a percentage and in KiB.</summary>
    public string GcHeapGrowthTextSince(MemorySnapshot start) =>
        string.Create(CultureInfo.InvariantCulture, $"{Percent(GcHeapGrowthSince(start))} ({(GcHeapBytes - start.GcHeapBytes) / 1024.0:+0;-0;0} KiB)");

    /// <summary>A growth as a signed percentage; one that rounds to nothing reads 0.0%, not -+0.0%.</summary>
    public static string Percent(double growth) => growth.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture);

    public override string ToString() => $"working set {WorkingSetMiB:F1} MiB ({TrimmedWorkingSetMiB:F1} after trimming the native heap), GC heap {GcHeapMiB:F1} MiB, live tensors {LiveTensors}";
}
