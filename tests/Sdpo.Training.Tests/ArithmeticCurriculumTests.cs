using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Expressions;
using Xunit.Abstractions;

namespace Sdpo.Training.Tests;

public class ArithmeticCurriculumTests
{
    private readonly ITestOutputHelper _output;
    public ArithmeticCurriculumTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void EveryExampleTeachesACorrectAnswerInTheFormatsSdpoUses()
    {
        var curriculum = new ArithmeticCurriculum();
        var batch = curriculum.Batch(seed: 3, batchIndex: 0, size: 400);
        Assert.Equal(batch, curriculum.Batch(seed: 3, batchIndex: 0, size: 400)); // deterministic
        Assert.NotEqual(batch, curriculum.Batch(seed: 3, batchIndex: 1, size: 400));

        int teacher = 0;
        foreach (var example in batch)
        {
            string prompt = example.Context[..(example.Context.IndexOf("Expression: ", StringComparison.Ordinal) + "Expression: ".Length)];
            var puzzle = PuzzlePrompts.Parse(prompt);
            Assert.True(puzzle.CreateVerifier().Check(example.Completion).Passed, $"{example.Completion} does not solve {puzzle}");
            Assert.Equal(prompt, puzzle.RenderPrompt());
            if (example.Kind == CurriculumExampleKind.Teacher)
            {
                teacher++;
                Assert.Contains("The following is feedback from your unsuccessful earlier attempt:", example.Context);
                Assert.EndsWith("Correctly solve the original question.\n", example.Context);
                Assert.True(example.Context.Length < 384, example.Context);
            }
            else
            {
                Assert.Equal(prompt, example.Context);
            }
        }
        Assert.InRange(teacher / 400.0, 0.3, 0.5);
        foreach (var example in batch.Take(4)) _output.WriteLine(example.Context + example.Completion + "\n----");
    }

    [Fact]
    public void PerturbedAnswersFailWithFeedbackThatDoesNotRevealTheAnswer()
    {
        var curriculum = new ArithmeticCurriculum(new CurriculumOptions { TeacherShare = 1.0 });
        var examples = curriculum.Batch(seed: 5, batchIndex: 0, size: 200);
        Assert.All(examples, e => Assert.DoesNotContain(e.Completion + "\n", e.Context));
        Assert.True(examples.Count(e => e.Kind == CurriculumExampleKind.Teacher) > 190);
    }

    [Fact]
    public void Evaluation_examples_work_out_a_puzzles_answer_step_by_step_and_take_their_share()
    {
        var curriculum = new ArithmeticCurriculum(new CurriculumOptions { EvaluationShare = 0.25 });
        var batch = curriculum.Batch(seed: 3, batchIndex: 0, size: 400);
        var evaluations = batch.Where(e => e.Kind == CurriculumExampleKind.Evaluation).ToList();

        Assert.InRange(evaluations.Count / 400.0, 0.18, 0.32);
        foreach (var example in evaluations)
        {
            Assert.StartsWith(ArithmeticCurriculum.EvaluationPrefix, example.Context);
            Assert.EndsWith("\n", example.Context);
            var expression = ArithmeticParser.Parse(example.Context[ArithmeticCurriculum.EvaluationPrefix.Length..^1]);
            var steps = example.Completion.Split("; ");
            // One step per operation, the last one ending in the expression's value: the puzzle's target.
            Assert.Equal(expression.ToString().Count(c => "+-*/".Contains(c)), steps.Length);
            Assert.EndsWith($" = {ArithmeticEvaluator.Evaluate(expression).Value}", steps[^1]);
        }
        Assert.Equal("7*5 = 35; 35+3 = 38",
            ArithmeticCurriculum.Evaluation(ArithmeticParser.Parse("7*5+3")).Completion);
    }

    [Fact]
    public void A_seeds_data_is_the_same_in_every_process()
    {
        // Pinned text: .NET's HashCode is seeded afresh in each process, so a stream seeded through it would differ
        // from one run of the tests to the next, and a pretraining run repeated or resumed elsewhere would see other data.
        var example = new ArithmeticCurriculum().Batch(seed: 1, batchIndex: 0, size: 1)[0];

        Assert.StartsWith("Numbers: 2 2 7 4 3\nTarget: 10\nExpression: \nThe following is feedback", example.Context);
        Assert.Contains("4-2 = 2; 7+2 = 9; 9-3 = 6; 6 is 4 less than the target 10. Numbers: 2 used 1 time, given 2.", example.Context);
        Assert.Equal("7+(4-2)-(2-3)", example.Completion);
    }
}
