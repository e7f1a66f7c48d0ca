using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Tests;

public class SolutionMassProbeTests
{
    // A hard puzzle for the embedded model (from its hard set in docs/results), with few solutions.
    private static readonly ArithmeticPuzzle Hard = new([12, 9, 1, 5], 56);

    [Fact]
    public async Task EachUpdateIsMeasuredAgainstTheSameStudentBeforeLearning()
    {
        using var model = await LanguageModel.LoadAsync("probe-test", Checkout.EmbeddedModel);
        var defaults = SdpoDefaults.Load(Checkout.EmbeddedModel);

        var learning = Assert.Single(await SolutionMassProbe.RunAsync(model, [Hard], seeds: 1, updates: 2, attemptsPerStep: 8, defaults));
        // A learning rate too small to move the adapter: what is measured after an update is what was measured before it.
        var still = Assert.Single(await SolutionMassProbe.RunAsync(model, [Hard], seeds: 1, updates: 2, attemptsPerStep: 8, defaults with { LearningRate = 1e-12 }));

        Assert.Equal(Hard.Solve().DistinctSolutions.Count, learning.Solutions);
        Assert.Equal(learning.InitialLogMass, still.InitialLogMass, 9);
        Assert.True(learning.InitialLogMass < 0);
        // One entry per update: both steps' when the run went on, fewer when it found an answer first.
        Assert.True(learning.Discovered ? learning.Gains.Count < 2 : learning.Gains.Count == 2, $"{learning.Gains.Count} gains, discovered {learning.Discovered}");
        Assert.Equal(learning.Gains.Count, learning.TeacherStudentLogRatios.Count);
        Assert.Contains(learning.Gains, gain => Math.Abs(gain) > 0.01);
        Assert.All(still.Gains, gain => Assert.True(Math.Abs(gain) < 1e-3, $"gain {gain}"));
    }

    [Fact]
    public void UpdatesAreAveragedOverTheRunsThatReachedThem()
    {
        SolutionMassRun Run(double[] gains) => new(Hard, 1, 3, -5, gains, gains.Select(g => -g / 10).ToArray(), Discovered: gains.Length < 2);

        var steps = SolutionMassProbe.ByUpdate([Run([1, 2]), Run([-1]), Run([3, 4])], updates: 3);

        Assert.Equal(2, steps.Count);
        Assert.Equal((1, 1.0, 2 / 3.0, 3), (steps[0].Update, steps[0].MeanGain, steps[0].SharePositive, steps[0].Runs));
        Assert.Equal((2, 3.0, 1.0, 2), (steps[1].Update, steps[1].MeanGain, steps[1].SharePositive, steps[1].Runs));
        Assert.Equal(-0.1, steps[0].MeanTeacherStudentLogRatio, 9);
        // The run that stopped after one update had found its answer: counted from update 2 on.
        Assert.Equal([0, 1], steps.Select(s => s.FoundBefore));
    }
}
