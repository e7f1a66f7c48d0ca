using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// Teacher-format examples built from the model's own failures: sample the model on puzzles, verify, and for
/// each failed attempt with feedback teach the teacher context to produce the correct expression nearest to
/// that attempt (a small edit), so the self-teacher learns the corrections it must express token by token.
/// Runs on the calling thread, which must own the model.
/// </summary>
public static class SelfFailureExamples
{
    public static IReadOnlyList<CurriculumExample> Collect(CausalLM model, ITextTokenizer tokenizer, ArithmeticCurriculum curriculum,
        int count, int seed, int samplesPerPuzzle = 4)
    {
        var random = new Random(seed);
        var generator = new TextGenerator(model, tokenizer);
        var examples = new List<CurriculumExample>(count);
        for (int round = 0; examples.Count < count && round < count; round++)
        {
            var puzzles = Enumerable.Range(0, 8).Select(_ => curriculum.Puzzle(random).Puzzle).ToList();
            var prompts = puzzles.SelectMany(p => Enumerable.Repeat(tokenizer.Encode(p.RenderPrompt()), samplesPerPuzzle)).ToList();
            var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 48, StopTokenIds = tokenizer.StopTokenIds, Seed = random.NextInt64() };
            var attempts = generator.Generate(prompts, options);
            for (int i = 0; i < attempts.Count && examples.Count < count; i++)
            {
                var puzzle = puzzles[i / samplesPerPuzzle];
                var attempt = attempts[i].Text ?? "";
                var verdict = puzzle.CreateVerifier().Check(attempt);
                if (verdict.Passed || string.IsNullOrWhiteSpace(verdict.Feedback)) continue;
                var nearest = puzzle.NearestSolution(attempt);
                if (nearest is null) continue;
                examples.Add(new CurriculumExample(CurriculumExampleKind.Teacher, TeacherPrompt.Build(puzzle.RenderPrompt(), verdict.Feedback), nearest));
            }
        }
        return examples;
    }
}
