using System.Globalization;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// The machine a figure was measured on and how busy it was: benchmark figures from a shared or loaded machine
/// mean little without the core count, CPU model, memory and load average next to them.
/// </summary>
public sealed record MachineSnapshot(int Cores, string CpuModel, double MemoryGiB, string LoadAverage)
{
    public static MachineSnapshot Capture() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        ReadMemoryGiB(),
        ReadLoadAverage());

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Cores} cores ({CpuModel}), {MemoryGiB:F1} GiB memory, load average {LoadAverage}");

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown" off Linux.</summary>
    public static string ReadLoadAverage()
    {
        var fields = ReadFirstLine("/proc/loadavg")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 3 } ? $"{fields[0]} {fields[1]} {fields[2]}" : "unknown";
    }

    private static string ReadCpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown CPU";
        }
    }

    private static double ReadMemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
