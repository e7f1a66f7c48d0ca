using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tokenization;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using static TorchSharp.torch;

namespace Sdpo.Training.Tests;

public class SelfPlayExamplesTests
{
    [Fact]
    public void The_shipped_models_own_failures_become_corrections_and_its_passes_become_answers()
    {
        string folder = Checkout.EmbeddedModel;
        using var scope = NewDisposeScope();
        using var model = CheckpointLoader.Load(folder);
        model.eval();
        var tokenizer = TokenizerLoader.Load(folder);

        var pool = SelfPlayExamples.Collect(model, tokenizer, new ArithmeticCurriculum(), failures: 12, solved: 4, seed: 7);

        Assert.Equal(12, pool.Teacher.Count);
        Assert.Equal(4, pool.Direct.Count);
        foreach (var example in pool.Teacher)
        {
            Assert.Equal(CurriculumExampleKind.Teacher, example.Kind);
            Assert.Contains("The following is feedback from your unsuccessful earlier attempt:", example.Context);
            Assert.True(PuzzlePrompts.Parse(example.Context).CreateVerifier().Check(example.Completion).Passed, example.Context + example.Completion);
        }
        foreach (var example in pool.Direct)
        {
            Assert.Equal(CurriculumExampleKind.Direct, example.Kind);
            var puzzle = PuzzlePrompts.Parse(example.Context);
            Assert.Equal(puzzle.RenderPrompt(), example.Context);
            Assert.True(puzzle.CreateVerifier().Check(example.Completion).Passed, example.Context + example.Completion);
        }
    }
}
