namespace Sdpo.Cli.Benchmarks;

/// <summary>The lines every benchmark prints first and last: what ran, on what machine, under what load.</summary>
public static class BenchmarkHeader
{
    public static void Print(string benchmark, string settings)
    {
        Console.WriteLine($"## {benchmark}");
        Console.WriteLine($"command line: sdpo {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}");
        Console.WriteLine($"settings: {settings}");
        Console.WriteLine($"machine at start: {MachineSnapshot.Capture()}");
        Console.WriteLine($"started: {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz}");
    }

    /// <summary>Why a benchmark could not run, on standard error.</summary>
    public static void PrintError(string message) => Console.Error.WriteLine($"error: {message}");

    public static void PrintEnd() =>
        Console.WriteLine($"load average at end: {MachineSnapshot.ReadLoadAverage()} ({DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz})");
}
