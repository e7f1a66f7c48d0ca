namespace Sdpo.Engine.Metrics;

/// <summary>A discovery@k figure with its bootstrap confidence interval; all three null when no run has completed (the
/// share of none is undefined, not 0).</summary>
public sealed record DiscoveryPoint(int K, double? Estimate, double? Lower, double? Upper);

/// <summary>
/// Statistics over discovery runs, each run being one (problem, seed) pair summarised by the 1-based number of
/// the attempt that first passed, or null when the budget ran out first.
/// </summary>
public static class DiscoveryStatistics
{
    /// <summary>discovery@k = P(first success ≤ k), the share of runs that had passed by attempt k; null without runs.</summary>
    public static double? DiscoveryAtK(IReadOnlyList<int?> firstSuccess, int k)
    {
        if (firstSuccess.Count == 0) return null;
        return firstSuccess.Count(a => a is { } attempt && attempt <= k) / (double)firstSuccess.Count;
    }

    /// <summary>The k at which a curve is reported: 1, 2, 4, … up to the budget (the budget itself included).</summary>
    public static IReadOnlyList<int> PowersOfTwoUpTo(int budget)
    {
        var ks = new List<int>();
        for (int k = 1; k < budget; k *= 2) ks.Add(k);
        ks.Add(budget);
        return ks;
    }

    /// <summary>
    /// discovery@k for each k with a percentile bootstrap interval (runs resampled with replacement,
    /// <paramref name="resamples"/> times, from a seeded generator so reports are reproducible).
    /// </summary>
    public static IReadOnlyList<DiscoveryPoint> Curve(IReadOnlyList<int?> firstSuccess, IReadOnlyList<int> ks,
        double confidence = 0.9, int resamples = 2000, int seed = 12345)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence));
        var random = new Random(seed);
        int n = firstSuccess.Count;
        var samples = new double[ks.Count][];
        for (int i = 0; i < ks.Count; i++) samples[i] = new double[resamples];
        var draw = new int?[n];
        for (int r = 0; r < resamples && n > 0; r++)
        {
            for (int j = 0; j < n; j++) draw[j] = firstSuccess[random.Next(n)];
            for (int i = 0; i < ks.Count; i++) samples[i][r] = DiscoveryAtK(draw, ks[i])!.Value;
        }
        double tail = (1 - confidence) / 2;
        var points = new List<DiscoveryPoint>(ks.Count);
        for (int i = 0; i < ks.Count; i++)
        {
            Array.Sort(samples[i]);
            points.Add(new DiscoveryPoint(ks[i], DiscoveryAtK(firstSuccess, ks[i]),
                n == 0 ? null : Quantile(samples[i], tail), n == 0 ? null : Quantile(samples[i], 1 - tail)));
        }
        return points;
    }

    /// <summary>Mean attempts to the first success over the runs that succeeded; null when none did.</summary>
    public static double? MeanAttemptsToDiscovery(IReadOnlyList<int?> firstSuccess)
    {
        var found = firstSuccess.Where(a => a.HasValue).Select(a => (double)a!.Value).ToList();
        return found.Count == 0 ? null : found.Average();
    }

    /// <summary>Mean attempts spent per run, counting a run that never succeeded as the whole budget; null without runs.</summary>
    public static double? MeanAttemptsSpent(IReadOnlyList<int?> firstSuccess, int budget) =>
        firstSuccess.Count == 0 ? null : firstSuccess.Average(a => (double)(a ?? budget));

    /// <summary>The smallest k ≤ budget with discovery@k ≥ level, or null when the level is never reached.</summary>
    public static int? AttemptsToReach(IReadOnlyList<int?> firstSuccess, double level, int budget)
    {
        if (level <= 0) return 0;
        var sorted = firstSuccess.Where(a => a.HasValue && a.Value <= budget).Select(a => a!.Value).OrderBy(a => a).ToList();
        int needed = (int)Math.Ceiling(level * firstSuccess.Count - 1e-9);
        return needed >= 1 && needed <= sorted.Count ? sorted[needed - 1] : null;
    }

    /// <summary>
    /// How many times fewer attempts a method needs than the baseline: the baseline's discovery@budget is the
    /// level; the ratio is (attempts the baseline needs to reach it) / (attempts the method needs). Null when the
    /// level is zero or the method never reaches it.
    /// </summary>
    public static double? AttemptsRatio(IReadOnlyList<int?> method, IReadOnlyList<int?> baseline, int budget)
    {
        if (DiscoveryAtK(baseline, budget) is not (> 0 and var level)) return null;
        int? baselineAttempts = AttemptsToReach(baseline, level, budget);
        int? methodAttempts = AttemptsToReach(method, level, budget);
        return baselineAttempts is { } b && methodAttempts is { } m && m > 0 ? (double)b / m : null;
    }

    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }
}
