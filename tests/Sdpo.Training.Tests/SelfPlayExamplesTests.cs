using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tokenization;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using static TorchSharp.torch;

namespace Sdpo.Training.Tests;

public class SelfPlayExamplesTests
{
    [Fact]
    public void The_shipped_models_own_failures_become_corrections_and_its_passes_become_answers()
    {
        string folder = Path.Combine(RepositoryRoot(), "src", "models", "arithmetic");
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
            Assert.True(PuzzleOf(example.Context).CreateVerifier().Check(example.Completion).Passed, example.Context + example.Completion);
        }
        foreach (var example in pool.Direct)
        {
            Assert.Equal(CurriculumExampleKind.Direct, example.Kind);
            var puzzle = PuzzleOf(example.Context);
            Assert.Equal(puzzle.RenderPrompt(), example.Context);
            Assert.True(puzzle.CreateVerifier().Check(example.Completion).Passed, example.Context + example.Completion);
        }
    }

    private static ArithmeticPuzzle PuzzleOf(string context)
    {
        var lines = context.Split('\n');
        var numbers = lines[0]["Numbers: ".Length..].Split(' ').Select(int.Parse).ToArray();
        return new ArithmeticPuzzle(numbers, int.Parse(lines[1]["Target: ".Length..]));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sdpo.Service.sln"))) return dir.FullName;
        throw new InvalidOperationException("Sdpo.Service.sln not found above the test binaries.");
    }
}
