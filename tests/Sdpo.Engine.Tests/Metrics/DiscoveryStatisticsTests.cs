using Sdpo.Engine.Metrics;

namespace Sdpo.Engine.Tests.Metrics;

public class DiscoveryStatisticsTests
{
    private static readonly int?[] Runs = { 1, 3, 3, 10, null };

    [Fact]
    public void DiscoveryAtKCountsRunsThatHadPassedByAttemptK()
    {
        Assert.Equal(0.2, DiscoveryStatistics.DiscoveryAtK(Runs, 1)!.Value, 12);
        Assert.Equal(0.2, DiscoveryStatistics.DiscoveryAtK(Runs, 2)!.Value, 12);
        Assert.Equal(0.6, DiscoveryStatistics.DiscoveryAtK(Runs, 3)!.Value, 12);
        Assert.Equal(0.8, DiscoveryStatistics.DiscoveryAtK(Runs, 16)!.Value, 12);
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 20 }, DiscoveryStatistics.PowersOfTwoUpTo(20));
    }

    [Fact]
    public void MeansAndAttemptsToReachAreHandComputed()
    {
        Assert.Equal(17 / 4.0, DiscoveryStatistics.MeanAttemptsToDiscovery(Runs)!.Value, 12);
        Assert.Equal((17 + 16) / 5.0, DiscoveryStatistics.MeanAttemptsSpent(Runs, 16)!.Value, 12);
        Assert.Null(DiscoveryStatistics.MeanAttemptsToDiscovery(new int?[] { null, null }));
        Assert.Equal(3, DiscoveryStatistics.AttemptsToReach(Runs, 0.6, 16));
        Assert.Equal(10, DiscoveryStatistics.AttemptsToReach(Runs, 0.7, 16));
        Assert.Null(DiscoveryStatistics.AttemptsToReach(Runs, 0.9, 16));
    }

    [Fact]
    public void AttemptsRatioComparesAttemptsToTheBaselinesFinalLevel()
    {
        // Baseline reaches 0.5 only at attempt 12; the method reaches 0.5 at attempt 4: 3x fewer.
        int?[] baseline = { 2, 12, null, null };
        int?[] method = { 1, 4, 9, null };
        Assert.Equal(3.0, DiscoveryStatistics.AttemptsRatio(method, baseline, 16)!.Value, 12);
        Assert.Null(DiscoveryStatistics.AttemptsRatio(method, new int?[] { null }, 16));
    }

    [Fact]
    public void BootstrapIntervalContainsTheEstimateAndCollapsesWhenAllRunsAgree()
    {
        var curve = DiscoveryStatistics.Curve(Runs, new[] { 1, 3, 16 });
        foreach (var point in curve)
        {
            Assert.InRange(point.Estimate!.Value, point.Lower!.Value, point.Upper!.Value);
            Assert.InRange(point.Lower.Value, 0, 1);
            Assert.InRange(point.Upper.Value, 0, 1);
        }
        Assert.True(curve[1].Upper - curve[1].Lower > 0.2); // 5 runs: a wide interval
        var certain = DiscoveryStatistics.Curve(new int?[] { 2, 2, 2 }, new[] { 1, 2 });
        Assert.Equal(new DiscoveryPoint(1, 0, 0, 0), certain[0]);
        Assert.Equal(new DiscoveryPoint(2, 1, 1, 1), certain[1]);
        // Same seed, same interval.
        Assert.Equal(curve, DiscoveryStatistics.Curve(Runs, new[] { 1, 3, 16 }));
    }

    [Fact]
    public void WithoutCompletedRunsDiscoveryAtKIsUndefinedNotZero()
    {
        Assert.Null(DiscoveryStatistics.DiscoveryAtK([], 4));
        Assert.Equal([new DiscoveryPoint(1, null, null, null), new DiscoveryPoint(4, null, null, null)], DiscoveryStatistics.Curve([], new[] { 1, 4 }));
        Assert.Null(DiscoveryStatistics.AttemptsRatio([1, 2], [], 4));
        Assert.Null(DiscoveryStatistics.MeanAttemptsSpent([], 4));
    }

    [Theory]
    [InlineData(10, 0, 1, 0.0)]
    [InlineData(10, 10, 3, 1.0)]
    [InlineData(10, 1, 1, 0.1)]
    [InlineData(10, 2, 9, 1.0)]
    [InlineData(10, 2, 8, 44.0 / 45.0)]
    public void PassAtKEdgeCases(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Fact]
    public void PassAtKMatchesTheBinomialClosedForm()
    {
        static double Choose(int n, int k)
        {
            double result = 1;
            for (int i = 1; i <= k; i++) result = result * (n - k + i) / i;
            return result;
        }
        for (int n = 1; n <= 30; n += 7)
            for (int c = 0; c <= n; c++)
                for (int k = 1; k <= n; k++)
                    Assert.Equal(1 - Choose(n - c, k) / Choose(n, k), PassAtK.Estimate(n, c, k), 10);
        // Large n stays finite and monotone in k.
        Assert.True(PassAtK.Estimate(5000, 3, 64) < PassAtK.Estimate(5000, 3, 128));
    }
}
