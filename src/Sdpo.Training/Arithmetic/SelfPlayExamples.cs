using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// Examples built from the model's own samples on fresh puzzles. Failed attempts with feedback teach the
/// teacher context to produce the correct expression nearest to that attempt (a small edit), so the
/// self-teacher learns the corrections it must express token by token. Passing attempts become direct
/// examples (rejection-sampling fine-tuning), which sharpens the student toward answers it can compute.
/// Runs on the calling thread, which must own the model.
/// </summary>
public static class SelfPlayExamples
{
    public static SelfPlayPool Collect(CausalLM model, ITextTokenizer tokenizer, ArithmeticCurriculum curriculum,
        int failures, int solved, int seed, int samplesPerPuzzle = 4)
    {
        var random = new Random(seed);
        var generator = new TextGenerator(model, tokenizer);
        var teacher = new List<CurriculumExample>(failures);
        var direct = new List<CurriculumExample>(solved);
        int rounds = Math.Max(failures, solved);
        for (int round = 0; (teacher.Count < failures || direct.Count < solved) && round < rounds; round++)
        {
            var puzzles = Enumerable.Range(0, 8).Select(_ => curriculum.Puzzle(random).Puzzle).ToList();
            var prompts = puzzles.SelectMany(p => Enumerable.Repeat(tokenizer.Encode(p.RenderPrompt()), samplesPerPuzzle)).ToList();
            var attempts = generator.Generate(prompts, OwnSamples.Options(tokenizer, random));
            for (int i = 0; i < attempts.Count; i++)
            {
                var puzzle = puzzles[i / samplesPerPuzzle];
                var attempt = attempts[i].Text ?? "";
                var verdict = puzzle.CreateVerifier().Check(attempt);
                if (verdict.Passed)
                {
                    if (direct.Count < solved) direct.Add(new CurriculumExample(CurriculumExampleKind.Direct, puzzle.RenderPrompt(), attempt.Trim()));
                    continue;
                }
                if (teacher.Count >= failures || string.IsNullOrWhiteSpace(verdict.Feedback)) continue;
                var nearest = puzzle.NearestSolution(attempt);
                if (nearest is null) continue;
                teacher.Add(new CurriculumExample(CurriculumExampleKind.Teacher, TeacherPrompt.Build(puzzle.RenderPrompt(), verdict.Feedback), nearest));
            }
        }
        return new SelfPlayPool(teacher, direct);
    }
}

/// <summary>What one round of self-play produced: teacher-format corrections of failures, and the model's own passing answers.</summary>
public sealed record SelfPlayPool(IReadOnlyList<CurriculumExample> Teacher, IReadOnlyList<CurriculumExample> Direct)
{
    public static readonly SelfPlayPool Empty = new([], []);
    public bool IsEmpty => Teacher.Count == 0 && Direct.Count == 0;
}
