using Sdpo.Engine.Sdpo;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// The pretraining texts for the embedded arithmetic model. They teach both halves of SDPO's self-teacher:
/// (a) the puzzle prompt → a correct expression, and (b) the exact teacher context of the SDPO loop (the
/// prompt plus the verifier's feedback on a failed attempt, without the attempt) → a correct expression that
/// is a small edit away from the failed one, so corrections are learned token by token.
/// </summary>
public sealed class ArithmeticCurriculum
{
    private readonly CurriculumOptions _options;

    public ArithmeticCurriculum(CurriculumOptions? options = null) => _options = options ?? new CurriculumOptions();

    /// <summary>The examples of batch <paramref name="batchIndex"/>: a pure function of (seed, batch), so a resumed run sees the same data.</summary>
    public IReadOnlyList<CurriculumExample> Batch(int seed, int batchIndex, int size)
    {
        var random = new Random(TrainingSeeds.Derive(seed, batchIndex, "curriculum"));
        var examples = new List<CurriculumExample>(size);
        while (examples.Count < size) examples.Add(Next(random));
        return examples;
    }

    public CurriculumExample Next(Random random)
    {
        var (puzzle, answer) = Puzzle(random);
        // Drawn only when enabled, so the stream of every earlier configuration is unchanged.
        if (_options.EvaluationShare > 0 && random.NextDouble() < _options.EvaluationShare)
            return Evaluation(answer);
        if (random.NextDouble() >= _options.TeacherShare)
            return new CurriculumExample(CurriculumExampleKind.Direct, puzzle.RenderPrompt(), answer.ToString());

        var verifier = puzzle.CreateVerifier();
        for (int tries = 0; tries < 8; tries++)
        {
            var attempt = RandomExpressions.Perturb(answer, puzzle.Numbers, random).ToString();
            var verdict = verifier.Check(attempt);
            if (verdict.Passed || string.IsNullOrWhiteSpace(verdict.Feedback)) continue;
            string context = TeacherPrompt.Build(puzzle.RenderPrompt(), verdict.Feedback);
            return new CurriculumExample(CurriculumExampleKind.Teacher, context, answer.ToString());
        }
        return new CurriculumExample(CurriculumExampleKind.Direct, puzzle.RenderPrompt(), answer.ToString());
    }

    public const string EvaluationPrefix = "Evaluate: ";

    /// <summary>An expression's operations with their values, in the verifier's own words and order.</summary>
    public static CurriculumExample Evaluation(ArithmeticExpression expression)
    {
        var evaluation = ArithmeticEvaluator.Evaluate(expression);
        return new CurriculumExample(CurriculumExampleKind.Evaluation, $"{EvaluationPrefix}{expression}\n",
            string.Join("; ", evaluation.Steps.Select(step => step.ToString())));
    }

    /// <summary>A random solvable puzzle and one answer, made backwards from a random expression.</summary>
    public (ArithmeticPuzzle Puzzle, ArithmeticExpression Answer) Puzzle(Random random)
    {
        while (true)
        {
            int count = random.Next(_options.MinNumbers, _options.MaxNumbers + 1);
            int range = _options.NumberRanges[random.Next(_options.NumberRanges.Count)];
            var numbers = Enumerable.Range(0, count).Select(_ => random.Next(1, range + 1)).ToArray();
            var expression = RandomExpressions.Combine(numbers, random);
            if (RandomExpressions.ValueOf(expression) is not { IsInteger: true } value) continue;
            if (value.Numerator < 1 || value.Numerator > _options.MaxTarget) continue;
            var puzzle = new ArithmeticPuzzle(numbers, (int)value.Numerator);
            if (_options.LeaveOutEvalSlice && EvalSlice.Contains(puzzle)) continue;
            return (puzzle, expression);
        }
    }
}
