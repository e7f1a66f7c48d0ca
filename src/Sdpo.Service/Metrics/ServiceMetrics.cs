namespace Sdpo.Service.Metrics;

/// <summary>Counters the engine's events feed, read by GET /metrics.</summary>
public sealed class ServiceMetrics
{
    /// <summary>Upper bounds, in seconds, of the step latency histogram.</summary>
    public static readonly double[] StepLatencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Lock _lock = new();
    private readonly long[] _stepLatencyCounts = new long[StepLatencyBuckets.Length];
    private long _attempts;
    private long _tokens;
    private long _steps;
    private double _stepLatencySum;
    private long _submitted;
    private long _rejected;

    public RateWindow AttemptRate { get; } = new();
    public RateWindow TokenRate { get; } = new();

    public void AttemptEvaluated(int tokens)
    {
        Interlocked.Increment(ref _attempts);
        Interlocked.Add(ref _tokens, tokens);
        AttemptRate.Add(1);
        TokenRate.Add(tokens);
    }

    public void StepCompleted(double seconds)
    {
        lock (_lock)
        {
            _steps++;
            _stepLatencySum += seconds;
            for (var i = 0; i < StepLatencyBuckets.Length; i++)
                if (seconds <= StepLatencyBuckets[i]) _stepLatencyCounts[i]++;
        }
    }

    public void RunSubmitted() => Interlocked.Increment(ref _submitted);
    public void RunRejected() => Interlocked.Increment(ref _rejected);

    public long Attempts => Interlocked.Read(ref _attempts);
    public long Tokens => Interlocked.Read(ref _tokens);
    public long Submitted => Interlocked.Read(ref _submitted);
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Cumulative bucket counts, total count and sum of the step latency histogram.</summary>
    public (long[] Cumulative, long Count, double Sum) StepLatency()
    {
        lock (_lock) return (_stepLatencyCounts.ToArray(), _steps, _stepLatencySum);
    }
}
