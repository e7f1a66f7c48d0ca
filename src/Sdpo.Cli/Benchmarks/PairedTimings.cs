using System.Diagnostics;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// Two variants timed alternately (A B, B A, A B, ...) after one untimed warm-up each, so that a background
/// load that comes and goes weighs on both alike; the ratio is the median of the per-round ratios B / A.
/// </summary>
public sealed record PairedTimings(IReadOnlyList<double> SecondsA, IReadOnlyList<double> SecondsB)
{
    public double MedianA => Median(SecondsA);
    public double MedianB => Median(SecondsB);

    /// <summary>Median over rounds of B's time over A's (above 1: A is faster).</summary>
    public double RatioBOverA => Median(SecondsA.Zip(SecondsB, (a, b) => b / a).ToList());

    public static async Task<PairedTimings> MeasureAsync(Func<Task> a, Func<Task> b, int rounds, bool warmUp = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (warmUp)
        {
            await a();
            await b();
        }
        var timesA = new List<double>();
        var timesB = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                timesA.Add(await TimeAsync(a));
                timesB.Add(await TimeAsync(b));
            }
            else
            {
                timesB.Add(await TimeAsync(b));
                timesA.Add(await TimeAsync(a));
            }
        }
        return new PairedTimings(timesA, timesB);
    }

    public static async Task<double> TimeAsync(Func<Task> work)
    {
        var started = Stopwatch.GetTimestamp();
        await work();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
