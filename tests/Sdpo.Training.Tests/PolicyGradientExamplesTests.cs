using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tokenization;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using static TorchSharp.torch;

namespace Sdpo.Training.Tests;

public class PolicyGradientExamplesTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Each_sample_is_weighted_by_its_reward_less_its_contexts_mean_and_contexts_whose_samples_agree_are_left_out(double teacherShare)
    {
        string folder = Checkout.EmbeddedModel;
        using var scope = NewDisposeScope();
        using var model = CheckpointLoader.Load(folder);
        model.eval();
        var tokenizer = TokenizerLoader.Load(folder);
        var puzzles = new ArithmeticCurriculum(new PretrainOptions { OutputFolder = "unused" }.PolicyGradientCurriculum);

        var batch = PolicyGradientExamples.Collect(model, tokenizer, puzzles, puzzleCount: 24, samplesPerPuzzle: 8, seed: 5, teacherShare);

        Assert.NotEmpty(batch.Examples);
        Assert.InRange(batch.PassRate, 0.01, 0.99);
        Assert.Equal(0, batch.Examples.Count % 8);
        foreach (var group in batch.Examples.Chunk(8))
        {
            Assert.Single(group.Select(e => e.Context).Distinct());
            Assert.Single(group.Select(e => e.Kind).Distinct());
            string context = group[0].Context;
            var verifier = PuzzlePrompts.Parse(context[..(context.IndexOf("Expression: ", StringComparison.Ordinal) + "Expression: ".Length)]).CreateVerifier();
            var passed = group.Select(e => verifier.Check(e.Completion).Passed).ToArray();
            double mean = passed.Count(p => p) / 8.0;
            Assert.InRange(mean, 0.1, 0.9); // mixed: some pass, some fail
            for (int i = 0; i < 8; i++)
                Assert.Equal((passed[i] ? 1 : 0) - mean, group[i].Weight, 9);
        }
        var kinds = batch.Examples.Chunk(8).Select(g => g[0]).ToList();
        if (teacherShare == 0) Assert.All(kinds, e => Assert.Equal(CurriculumExampleKind.Direct, e.Kind));
        else
        {
            // Sampled after the feedback on a failed attempt, unless that attempt passed.
            Assert.Contains(kinds, e => e.Kind == CurriculumExampleKind.Teacher);
            Assert.All(kinds.Where(e => e.Kind == CurriculumExampleKind.Teacher), e =>
            {
                Assert.Contains("The following is feedback from your unsuccessful earlier attempt:", e.Context);
                Assert.EndsWith("Correctly solve the original question.\n", e.Context);
            });
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
