namespace Sdpo.Engine.Metrics;

/// <summary>
/// The results of a benchmark: per method its discovery@k curve with bootstrap intervals and mean attempts,
/// each method's attempts ratio against the baseline, and a row per problem. Built from run outcomes by
/// <see cref="Build"/>; the service's GET /benchmarks/{id} and the CLI's bench command report exactly this.
/// </summary>
public sealed record BenchmarkReport(
    int Budget,
    double Confidence,
    IReadOnlyList<int> Ks,
    IReadOnlyList<MethodReport> Methods,
    IReadOnlyList<AttemptsRatioReport> AttemptsRatios,
    IReadOnlyList<ProblemReport> Problems)
{
    public const string DefaultBaseline = "best-of-k";

    /// <summary>
    /// Aggregates run outcomes. Methods are reported in <paramref name="methods"/> order, problems in
    /// <paramref name="problems"/> order (runs of problems not listed are ignored), seeds ascending. Curves are
    /// evaluated at k = 1, 2, 4, … and the budget, over completed runs, with percentile-bootstrap intervals at
    /// <paramref name="confidence"/> (reproducible: the resampling generator is seeded).
    /// </summary>
    public static BenchmarkReport Build(
        IReadOnlyList<BenchmarkProblem> problems,
        IReadOnlyList<string> methods,
        IEnumerable<BenchmarkRunOutcome> runs,
        int budget,
        double confidence = 0.9,
        int resamples = 2000,
        string baseline = DefaultBaseline)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        var known = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var listed = runs.Where(r => known.Contains(r.ProblemId)).ToList();
        var ks = DiscoveryStatistics.PowersOfTwoUpTo(budget);

        var firstSuccess = methods.ToDictionary(m => m, m => FirstSuccesses(listed.Where(r => r.Method == m), budget), StringComparer.Ordinal);
        var methodReports = methods.Select(method =>
        {
            var all = listed.Where(r => r.Method == method).ToList();
            var completed = firstSuccess[method];
            return new MethodReport(
                method,
                completed.Count,
                all.Count(r => !r.Completed),
                completed.Count(a => a.HasValue),
                DiscoveryStatistics.Curve(completed, ks, confidence, resamples),
                DiscoveryStatistics.MeanAttemptsToDiscovery(completed),
                DiscoveryStatistics.MeanAttemptsSpent(completed, budget),
                SecondsPerAttempt(all),
                MeanSecondsToDiscovery(all));
        }).ToList();

        var ratios = new List<AttemptsRatioReport>();
        if (firstSuccess.TryGetValue(baseline, out var baselineRuns))
        {
            var seconds = methodReports.ToDictionary(m => m.Method, m => m.SecondsPerAttempt, StringComparer.Ordinal);
            foreach (var method in methods.Where(m => m != baseline))
                ratios.Add(AttemptsRatioReport.Compute(method, firstSuccess[method], baseline, baselineRuns, budget, seconds[method], seconds[baseline]));
        }

        var problemReports = problems.Select(problem => new ProblemReport(
            problem.Id,
            problem.Label,
            problem.BasePassAtK,
            methods.Select(method =>
            {
                var seeds = listed.Where(r => r.ProblemId == problem.Id && r.Method == method)
                    .OrderBy(r => r.Seed)
                    .Select(r => new SeedOutcome(r.Seed, r.Completed ? r.AttemptsToDiscovery : null, r.Attempts, r.Completed))
                    .ToList();
                var completed = seeds.Where(s => s.Completed).Select(s => s.AttemptsToDiscovery).ToList();
                return new ProblemMethodReport(
                    method,
                    completed.Count,
                    completed.Count(a => a.HasValue),
                    completed.Count == 0 ? null : completed.Count(a => a.HasValue) / (double)completed.Count,
                    DiscoveryStatistics.MeanAttemptsToDiscovery(completed),
                    seeds);
            }).ToList())).ToList();

        return new BenchmarkReport(budget, confidence, ks, methodReports, ratios, problemReports);
    }

    /// <summary>Wall time over attempts of the timed completed runs (null when none was timed).</summary>
    private static double? SecondsPerAttempt(IEnumerable<BenchmarkRunOutcome> runs)
    {
        var timed = runs.Where(r => r.Completed && r.Seconds is not null).ToList();
        int attempts = timed.Sum(r => r.Attempts);
        return attempts == 0 ? null : timed.Sum(r => r.Seconds!.Value) / attempts;
    }

    /// <summary>Mean wall time of the timed runs that discovered (a run ends at its discovery).</summary>
    private static double? MeanSecondsToDiscovery(IEnumerable<BenchmarkRunOutcome> runs)
    {
        var discovered = runs.Where(r => r.Completed && r.AttemptsToDiscovery is not null && r.Seconds is not null).ToList();
        return discovered.Count == 0 ? null : discovered.Average(r => r.Seconds!.Value);
    }

    /// <summary>Completed runs' first successes; a recorded success past the budget counts as none.</summary>
    private static List<int?> FirstSuccesses(IEnumerable<BenchmarkRunOutcome> runs, int budget) =>
        runs.Where(r => r.Completed).Select(r => r.AttemptsToDiscovery <= budget ? r.AttemptsToDiscovery : null).ToList();
}

/// <summary>One method over all problems and seeds. <see cref="Runs"/> counts completed runs (the ones the
/// statistics use; with none, the curve's figures are null); <see cref="FailedRuns"/> those that failed or were cancelled. The wall-time figures cover
/// runs whose time was recorded (null when none was).</summary>
public sealed record MethodReport(
    string Method,
    int Runs,
    int FailedRuns,
    int Discoveries,
    IReadOnlyList<DiscoveryPoint> Curve,
    double? MeanAttemptsToDiscovery,
    double? MeanAttemptsSpent,
    double? SecondsPerAttempt = null,
    double? MeanSecondsToDiscovery = null);

/// <summary>
/// How many times fewer attempts <see cref="Method"/> needs than <see cref="Baseline"/>. The level is the
/// baseline's discovery@budget; <see cref="BaselineAttempts"/> and <see cref="MethodAttempts"/> are the
/// smallest k at which each method's discovery@k reaches that level; <see cref="Ratio"/> is
/// BaselineAttempts / MethodAttempts (see <see cref="DiscoveryStatistics.AttemptsRatio"/>). Null when the
/// baseline never discovers (level 0) or the method never reaches the level within the budget.
/// <see cref="BaselineSeconds"/> and <see cref="MethodSeconds"/> turn those attempts into wall time at each method's mean
/// seconds per attempt (sampling, verifying and learning, as timed in the runs), and <see cref="WallTimeRatio"/> is
/// BaselineSeconds / MethodSeconds: above 1 the method reaches the level sooner. Null where the runs were not timed.
/// </summary>
public sealed record AttemptsRatioReport(
    string Method, string Baseline, double Level, int? BaselineAttempts, int? MethodAttempts, double? Ratio,
    double? BaselineSeconds = null, double? MethodSeconds = null, double? WallTimeRatio = null)
{
    public static AttemptsRatioReport Compute(string method, IReadOnlyList<int?> methodRuns, string baseline, IReadOnlyList<int?> baselineRuns, int budget,
        double? methodSecondsPerAttempt = null, double? baselineSecondsPerAttempt = null)
    {
        // No baseline run completed: no level to reach, as when it never discovers.
        double level = DiscoveryStatistics.DiscoveryAtK(baselineRuns, budget) ?? 0;
        int? baselineAttempts = level > 0 ? DiscoveryStatistics.AttemptsToReach(baselineRuns, level, budget) : null;
        int? methodAttempts = level > 0 ? DiscoveryStatistics.AttemptsToReach(methodRuns, level, budget) : null;
        double? baselineSeconds = baselineAttempts * baselineSecondsPerAttempt;
        double? methodSeconds = methodAttempts * methodSecondsPerAttempt;
        return new AttemptsRatioReport(method, baseline, level, baselineAttempts, methodAttempts,
            DiscoveryStatistics.AttemptsRatio(methodRuns, baselineRuns, budget),
            baselineSeconds, methodSeconds, methodSeconds > 0 ? baselineSeconds / methodSeconds : null);
    }
}

/// <summary>One problem: its label, its base-model pass@k when hard-problem selection estimated it, and each method's runs.</summary>
public sealed record ProblemReport(string Id, string? Label, double? BasePassAtK, IReadOnlyList<ProblemMethodReport> Methods);

/// <summary>One method on one problem: completed runs (seeds), discoveries, their share, mean attempts to discovery, each seed.</summary>
public sealed record ProblemMethodReport(
    string Method, int Runs, int Discoveries, double? DiscoveryRate, double? MeanAttemptsToDiscovery, IReadOnlyList<SeedOutcome> Seeds);

/// <summary>One seed's run: attempts to discovery (null when none or not completed), attempts spent, whether it completed.</summary>
public sealed record SeedOutcome(long Seed, int? AttemptsToDiscovery, int Attempts, bool Completed);
