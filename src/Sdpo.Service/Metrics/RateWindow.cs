using System.Diagnostics;

namespace Sdpo.Service.Metrics;

/// <summary>A per-second rate over the last minute, from one-second buckets.</summary>
public sealed class RateWindow
{
    private const int Seconds = 60;
    private readonly long[] _buckets = new long[Seconds];
    private readonly long[] _bucketSecond = new long[Seconds];
    private readonly long _startSecond = Now();
    private readonly Lock _lock = new();

    public void Add(long amount)
    {
        var second = Now();
        var slot = (int)(second % Seconds);
        lock (_lock)
        {
            if (_bucketSecond[slot] != second)
            {
                _bucketSecond[slot] = second;
                _buckets[slot] = 0;
            }
            _buckets[slot] += amount;
        }
    }

    public double PerSecond()
    {
        var now = Now();
        long sum = 0;
        lock (_lock)
        {
            for (var i = 0; i < Seconds; i++)
                if (now - _bucketSecond[i] < Seconds) sum += _buckets[i];
        }
        var span = Math.Clamp(now - _startSecond + 1, 1, Seconds);
        return (double)sum / span;
    }

    private static long Now() => Stopwatch.GetTimestamp() / Stopwatch.Frequency;
}
