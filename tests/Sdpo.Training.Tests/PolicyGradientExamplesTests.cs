using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tokenization;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using static TorchSharp.torch;

namespace Sdpo.Training.Tests;

public class PolicyGradientExamplesTests
{
    [Fact]
    public void Each_sample_is_weighted_by_its_reward_less_its_puzzles_mean_and_puzzles_whose_samples_agree_are_left_out()
    {
        string folder = Checkout.EmbeddedModel;
        using var scope = NewDisposeScope();
        using var model = CheckpointLoader.Load(folder);
        model.eval();
        var tokenizer = TokenizerLoader.Load(folder);
        var puzzles = new ArithmeticCurriculum(new PretrainOptions { OutputFolder = "unused" }.PolicyGradientCurriculum);

        var batch = PolicyGradientExamples.Collect(model, tokenizer, puzzles, puzzleCount: 24, samplesPerPuzzle: 8, seed: 5);

        Assert.NotEmpty(batch.Examples);
        Assert.InRange(batch.PassRate, 0.01, 0.99);
        Assert.Equal(0, batch.Examples.Count % 8);
        foreach (var group in batch.Examples.Chunk(8))
        {
            Assert.Single(group.Select(e => e.Context).Distinct());
            var verifier = PuzzlePrompts.Parse(group[0].Context).CreateVerifier();
            var passed = group.Select(e => verifier.Check(e.Completion).Passed).ToArray();
            double mean = passed.Count(p => p) / 8.0;
            Assert.InRange(mean, 0.1, 0.9); // mixed: some pass, some fail
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(CurriculumExampleKind.Direct, group[i].Kind);
                Assert.Equal((passed[i] ? 1 : 0) - mean, group[i].Weight, 9);
            }
        }
    }

    [Fact]
    public void A_baseline_needs_two_samples()
    {
        string folder = Checkout.EmbeddedModel;
        using var model = CheckpointLoader.Load(folder);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PolicyGradientExamples.Collect(model, TokenizerLoader.Load(folder), new ArithmeticCurriculum(), puzzleCount: 2, samplesPerPuzzle: 1, seed: 1));
        Assert.Equal("samplesPerPuzzle", error.ParamName);
    }
}
