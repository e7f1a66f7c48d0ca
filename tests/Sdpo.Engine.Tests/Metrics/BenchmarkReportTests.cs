using Sdpo.Engine.Metrics;

namespace Sdpo.Engine.Tests.Metrics;

public class BenchmarkReportTests
{
    private static readonly BenchmarkProblem[] Problems = [new("p1", "3 5 7 -> 22"), new("p2", null, 0.25)];
    private static readonly string[] Methods = ["sdpo", "best-of-k"];

    // Budget 8. sdpo first passes: p1 {1, 3}, p2 {none, 5}; best-of-k: p1 {4, 8}, p2 {none, none} and one failed run.
    private static readonly BenchmarkRunOutcome[] Runs =
    [
        new("p1", "sdpo", 1, 1, 1), new("p1", "sdpo", 2, 3, 3), new("p2", "sdpo", 1, null, 8), new("p2", "sdpo", 2, 5, 5),
        new("p1", "best-of-k", 1, 4, 4), new("p1", "best-of-k", 2, 8, 8), new("p2", "best-of-k", 2, null, 8), new("p2", "best-of-k", 1, null, 8),
        new("p2", "best-of-k", 3, null, 2, Completed: false),
        new("unlisted", "sdpo", 1, 1, 1),
    ];

    private static BenchmarkReport Report => BenchmarkReport.Build(Problems, Methods, Runs, budget: 8);

    [Fact]
    public void Curves_are_discovery_at_powers_of_two_over_completed_runs()
    {
        var report = Report;
        Assert.Equal([1, 2, 4, 8], report.Ks);
        Assert.Equal(["sdpo", "best-of-k"], report.Methods.Select(m => m.Method));
        var sdpo = report.Methods[0];
        var bestOfK = report.Methods[1];
        Assert.Equal([0.25, 0.25, 0.5, 0.75], sdpo.Curve.Select(p => p.Estimate));
        Assert.Equal([0.0, 0.0, 0.25, 0.5], bestOfK.Curve.Select(p => p.Estimate));
        Assert.Equal((4, 0, 3), (sdpo.Runs, sdpo.FailedRuns, sdpo.Discoveries));
        Assert.Equal((4, 1, 2), (bestOfK.Runs, bestOfK.FailedRuns, bestOfK.Discoveries));
        foreach (var point in report.Methods.SelectMany(m => m.Curve)) Assert.InRange(point.Estimate!.Value, point.Lower!.Value, point.Upper!.Value);
        // The intervals are the library's bootstrap over the same runs.
        Assert.Equal(DiscoveryStatistics.Curve(new int?[] { 1, 3, null, 5 }, [1, 2, 4, 8]), sdpo.Curve);
    }

    [Fact]
    public void A_method_whose_runs_all_failed_has_no_discovery_figures_rather_than_zeros()
    {
        var report = BenchmarkReport.Build(Problems, Methods, [new("p1", "sdpo", 1, 1, 1), new("p1", "best-of-k", 1, null, 3, Completed: false)], budget: 8);
        var bestOfK = report.Methods[1];
        Assert.Equal((0, 1), (bestOfK.Runs, bestOfK.FailedRuns));
        Assert.All(bestOfK.Curve, point => Assert.Equal((null, null, null), (point.Estimate, point.Lower, point.Upper)));
        Assert.Equal([1.0, 1.0, 1.0, 1.0], report.Methods[0].Curve.Select(p => p.Estimate));
        // No baseline run to set a level: no ratio.
        Assert.Null(Assert.Single(report.AttemptsRatios).Ratio);
    }

    [Fact]
    public void Wall_time_is_seconds_per_attempt_and_mean_seconds_of_discovering_runs_over_timed_completed_runs()
    {
        BenchmarkRunOutcome[] timed =
        [
            new("p1", "sdpo", 1, 2, 2, Seconds: 1.0), new("p1", "sdpo", 2, null, 8, Seconds: 5.0),
            new("p1", "sdpo", 3, 4, 4, Completed: false, Seconds: 100), new("p2", "sdpo", 1, 6, 6, Seconds: 3.0),
            new("p1", "best-of-k", 1, 4, 4),
        ];
        var report = BenchmarkReport.Build(Problems, Methods, timed, budget: 8);
        Assert.Equal(9.0 / 16, report.Methods[0].SecondsPerAttempt!.Value, 12);
        Assert.Equal(2.0, report.Methods[0].MeanSecondsToDiscovery!.Value, 12);
        Assert.Null(report.Methods[1].SecondsPerAttempt);
        Assert.Null(report.Methods[1].MeanSecondsToDiscovery);
    }

    [Fact]
    public void A_success_recorded_past_the_budget_counts_as_none()
    {
        // Runs of a larger budget read into a report of a smaller one: the late success is not a discovery within it.
        var report = BenchmarkReport.Build([new("p")], ["sdpo"], [new("p", "sdpo", 1, 2, 2), new("p", "sdpo", 2, 7, 7)], budget: 4);
        var sdpo = report.Methods[0];
        Assert.Equal(1, sdpo.Discoveries);
        Assert.Equal(2.0, sdpo.MeanAttemptsToDiscovery);
        Assert.Equal(0.5, sdpo.Curve[^1].Estimate);
    }

    [Fact]
    public void Two_runs_split_evenly_give_a_ninety_percent_interval_from_zero_to_one()
    {
        // Resampling two runs, one passed at k: the share is 0, 1/2 or 1 with chances 1/4, 1/2, 1/4, so the
        // 5% and 95% quantiles are 0 and 1.
        var report = BenchmarkReport.Build([new("p")], ["sdpo"], [new("p", "sdpo", 1, 1, 1), new("p", "sdpo", 2, null, 2)], budget: 2);
        Assert.Equal(new DiscoveryPoint(1, 0.5, 0, 1), report.Methods[0].Curve[0]);
        Assert.Equal(0.9, report.Confidence);
    }

    [Fact]
    public void Mean_attempts_count_discoveries_and_spent_attempts_count_the_budget_for_misses()
    {
        var report = Report;
        Assert.Equal(3.0, report.Methods[0].MeanAttemptsToDiscovery);
        Assert.Equal(6.0, report.Methods[1].MeanAttemptsToDiscovery);
        Assert.Equal(17 / 4.0, report.Methods[0].MeanAttemptsSpent);
        Assert.Equal(28 / 4.0, report.Methods[1].MeanAttemptsSpent);
    }

    [Fact]
    public void Attempts_ratio_is_baseline_attempts_over_method_attempts_at_the_baselines_final_level()
    {
        // best-of-k reaches 0.5 (its discovery@8) at k = 8; sdpo reaches 0.5 at k = 3.
        var ratio = Assert.Single(Report.AttemptsRatios);
        Assert.Equal(new AttemptsRatioReport("sdpo", "best-of-k", 0.5, 8, 3, 8 / 3.0), ratio);
    }

    [Fact]
    public void Wall_time_to_the_baselines_level_is_each_methods_attempts_to_it_times_its_seconds_per_attempt()
    {
        // best-of-k: 12 attempts in 6 s (0.5 s each), reaches its level 0.5 at k = 4; sdpo: 10 attempts in 16 s
        // (1.6 s each), reaches 0.5 at k = 2. Half the attempts, but 3.2 s against 2 s.
        BenchmarkRunOutcome[] timed =
        [
            new("p1", "best-of-k", 1, 4, 4, Seconds: 2), new("p2", "best-of-k", 1, null, 8, Seconds: 4),
            new("p1", "sdpo", 1, 2, 2, Seconds: 2), new("p2", "sdpo", 1, null, 8, Seconds: 14),
        ];
        var ratio = Assert.Single(BenchmarkReport.Build(Problems, Methods, timed, budget: 8).AttemptsRatios);

        Assert.Equal((4, 2, 2.0), (ratio.BaselineAttempts, ratio.MethodAttempts, ratio.Ratio));
        Assert.Equal(2.0, ratio.BaselineSeconds!.Value, 12);
        Assert.Equal(3.2, ratio.MethodSeconds!.Value, 12);
        Assert.Equal(2.0 / 3.2, ratio.WallTimeRatio!.Value, 12);
        // Untimed runs give the attempts ratio alone.
        Assert.Equal((null, null, null), (Report.AttemptsRatios[0].BaselineSeconds, Report.AttemptsRatios[0].MethodSeconds, Report.AttemptsRatios[0].WallTimeRatio));
    }

    [Fact]
    public void Attempts_ratio_is_null_without_baseline_discoveries_and_absent_without_a_baseline()
    {
        var noDiscovery = BenchmarkReport.Build([new("p")], Methods,
            [new("p", "sdpo", 1, 2, 2), new("p", "best-of-k", 1, null, 4)], budget: 4);
        Assert.Equal(new AttemptsRatioReport("sdpo", "best-of-k", 0, null, null, null), Assert.Single(noDiscovery.AttemptsRatios));
        Assert.Empty(BenchmarkReport.Build([new("p")], ["sdpo"], [new("p", "sdpo", 1, 2, 2)], budget: 4).AttemptsRatios);
    }

    [Fact]
    public void Problem_rows_list_each_method_with_its_seeds_in_order()
    {
        var rows = Report.Problems;
        Assert.Equal(["p1", "p2"], rows.Select(r => r.Id));
        Assert.Equal("3 5 7 -> 22", rows[0].Label);
        Assert.Equal(0.25, rows[1].BasePassAtK);

        var p1Sdpo = rows[0].Methods[0];
        Assert.Equal(("sdpo", 2, 2, (double?)1.0, (double?)2.0), (p1Sdpo.Method, p1Sdpo.Runs, p1Sdpo.Discoveries, p1Sdpo.DiscoveryRate, p1Sdpo.MeanAttemptsToDiscovery));

        var p2BestOfK = rows[1].Methods[1];
        Assert.Equal((2, 0, (double?)0.0, (double?)null), (p2BestOfK.Runs, p2BestOfK.Discoveries, p2BestOfK.DiscoveryRate, p2BestOfK.MeanAttemptsToDiscovery));
        Assert.Equal([new SeedOutcome(1, null, 8, true), new SeedOutcome(2, null, 8, true), new SeedOutcome(3, null, 2, false)], p2BestOfK.Seeds);

        var p2Sdpo = rows[1].Methods[0];
        Assert.Equal(0.5, p2Sdpo.DiscoveryRate);
        Assert.Equal(5.0, p2Sdpo.MeanAttemptsToDiscovery);
    }

    [Fact]
    public void A_problem_without_runs_has_empty_rows_and_no_rates()
    {
        var report = BenchmarkReport.Build([new("p"), new("q")], ["sdpo"], [new("p", "sdpo", 1, 1, 1)], budget: 1);
        var empty = report.Problems[1].Methods[0];
        Assert.Equal((0, 0, (double?)null), (empty.Runs, empty.Discoveries, empty.DiscoveryRate));
        Assert.Empty(empty.Seeds);
        Assert.Equal([1], report.Ks);
    }
}

public class PassRateSamplingTests
{
    [Fact]
    public void Segments_cut_at_their_first_pass_add_up_to_the_requested_samples()
    {
        var sampling = new PassRateSampling(samples: 10, k: 5);
        Assert.Equal((10, PassRateSampling.FirstSegmentSeed), (sampling.NextSegmentBudget, sampling.NextSegmentSeed));
        sampling.Record(3, passed: true);
        Assert.Equal((3, 1, 7, PassRateSampling.FirstSegmentSeed + 1), (sampling.Drawn, sampling.Passes, sampling.NextSegmentBudget, sampling.NextSegmentSeed));
        Assert.False(sampling.IsComplete);
        Assert.Throws<InvalidOperationException>(() => sampling.PassAtKEstimate);
        sampling.Record(7, passed: false);
        Assert.True(sampling.IsComplete);
        // 1 - C(9, 5) / C(10, 5) = 1 - 126 / 252.
        Assert.Equal(0.5, sampling.PassAtKEstimate, 12);
        Assert.Throws<InvalidOperationException>(() => sampling.Record(1, passed: true));
    }

    [Fact]
    public void A_segment_must_spend_its_budget_unless_it_passed()
    {
        var sampling = new PassRateSampling(samples: 8, k: 8);
        Assert.Throws<ArgumentException>(() => sampling.Record(5, passed: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampling.Record(9, passed: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampling.Record(0, passed: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PassRateSampling(samples: 8, k: 9));
        sampling.Record(8, passed: true);
        Assert.Equal(1.0, sampling.PassAtKEstimate);
    }

    [Fact]
    public void Restarting_after_each_pass_draws_unbiased_samples()
    {
        // Attempts pass with probability p; each segment stops at its first pass. The passes among the n
        // attempts must average n * p, as for n plain draws.
        const double p = 0.05;
        const int n = 64, trials = 4000;
        var random = new Random(7);
        double totalPasses = 0;
        for (int t = 0; t < trials; t++)
        {
            var sampling = new PassRateSampling(n, n);
            while (!sampling.IsComplete)
            {
                int budget = sampling.NextSegmentBudget, attempts = 0;
                bool passed = false;
                while (attempts < budget && !passed)
                {
                    attempts++;
                    passed = random.NextDouble() < p;
                }
                sampling.Record(attempts, passed);
            }
            totalPasses += sampling.Passes;
        }
        Assert.InRange(totalPasses / trials, n * p - 0.15, n * p + 0.15);
    }
}
