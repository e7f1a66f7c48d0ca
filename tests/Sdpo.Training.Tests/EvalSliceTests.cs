using System.Text.Json;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;

namespace Sdpo.Training.Tests;

public sealed class EvalSliceTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_curriculum_never_draws_a_puzzle_of_the_eval_slice_unless_told_to()
    {
        var small = new CurriculumOptions { MaxNumbers = 4, NumberRanges = [10], MaxTarget = 50 };
        var random = new Random(3);
        var leftOut = Enumerable.Range(0, 3000).Select(_ => new ArithmeticCurriculum(small).Puzzle(random).Puzzle).ToList();
        random = new Random(3);
        var all = Enumerable.Range(0, 3000).Select(_ => new ArithmeticCurriculum(small with { LeaveOutEvalSlice = false }).Puzzle(random).Puzzle).ToList();

        Assert.DoesNotContain(leftOut, EvalSlice.Contains);
        Assert.InRange(all.Count(EvalSlice.Contains) / 3000.0, 0.04, 0.2);
    }

    [Fact]
    public void The_slice_is_one_puzzle_in_about_ten_whatever_the_order_of_its_numbers_and_the_same_in_every_process()
    {
        var easy = ModelEvaluation.FreshPuzzles([DifficultyTier.Easy, DifficultyTier.Mid], perTier: 300, seed: 5).Puzzles;
        Assert.InRange(easy.Count(p => EvalSlice.Contains(p.Puzzle)) / 600.0, 0.05, 0.16);
        Assert.Equal(EvalSlice.Contains(new ArithmeticPuzzle([7, 3, 5], 22)), EvalSlice.Contains(new ArithmeticPuzzle([3, 5, 7], 22)));
        // Pinned: a hash seeded per process (as string.GetHashCode is) would move puzzles in and out between runs.
        Assert.Equal([false, true, false, false, false, false, false, false, false, false, false],
            Enumerable.Range(20, 11).Select(target => EvalSlice.Contains(new ArithmeticPuzzle([3, 5, 7], target))).ToArray());
    }

    [Fact]
    public void An_eval_of_the_slice_draws_only_its_puzzles()
    {
        var draw = ModelEvaluation.FreshPuzzles([DifficultyTier.Easy], perTier: 8, seed: 3, evalSliceOnly: true);

        Assert.Equal(8, draw.Puzzles.Count);
        Assert.All(draw.Puzzles, p => Assert.True(EvalSlice.Contains(p.Puzzle)));
    }

    [Fact]
    public void A_models_log_says_whether_every_stage_left_the_slice_out()
    {
        string first = Path.Combine(_folder.Path, "first"), second = Path.Combine(_folder.Path, "second");
        ArithmeticPretrainer.Run(PretrainOptions.Quick(first) with { Steps = 1 });
        ArithmeticPretrainer.Run(PretrainOptions.Quick(second) with { Steps = 1, InitFrom = first });

        Assert.True(TrainedPuzzles.EvalSliceLeftOutBy(first));
        Assert.True(TrainedPuzzles.EvalSliceLeftOutBy(second));
        // Every stage of the shipped model left the slice out.
        Assert.True(TrainedPuzzles.EvalSliceLeftOutBy(Checkout.EmbeddedModel));
        // A stage that drew from the whole space is not clean, nor is any stage on top of it.
        string whole = Path.Combine(_folder.Path, "whole");
        ArithmeticPretrainer.Run(PretrainOptions.Quick(whole) with { Steps = 1, InitFrom = first, Curriculum = new CurriculumOptions { LeaveOutEvalSlice = false } });
        Assert.False(TrainedPuzzles.EvalSliceLeftOutBy(whole));
        string onWhole = Path.Combine(_folder.Path, "on-whole");
        ArithmeticPretrainer.Run(PretrainOptions.Quick(onWhole) with { Steps = 1, InitFrom = whole });
        Assert.False(TrainedPuzzles.EvalSliceLeftOutBy(onWhole));
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, ArithmeticPretrainer.LogFileName)));
        Assert.False(log.RootElement.GetProperty(TrainedPuzzles.EvalSliceLeftOutProperty).GetBoolean());
    }
}
