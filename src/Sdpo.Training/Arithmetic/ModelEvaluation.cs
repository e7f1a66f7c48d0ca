using Sdpo.Engine;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Metrics;
using Sdpo.Engine.Sdpo;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;

namespace Sdpo.Training.Arithmetic;

/// <summary>One puzzle's sampling result: how many of n i.i.d. samples passed, and whether the greedy answer did. The tier is
/// null for a puzzle the caller gave (a problems file).</summary>
public sealed record PuzzleSamples(ArithmeticPuzzle Puzzle, DifficultyTier? Tier, int Samples, int Passed, IReadOnlyList<string> FailedAttempts,
    bool GreedyPassed = false)
{
    public double PassAt(int k) => PassAtK.Estimate(Samples, Passed, Math.Min(k, Samples));
}

/// <param name="Tier">null for the puzzles the caller gave</param>
/// <param name="GreedyPassAt1">share of the tier's puzzles whose greedy (temperature 0) answer passes</param>
public sealed record TierFigures(DifficultyTier? Tier, int Puzzles, double PassAt1, double PassAt64, double GreedyPassAt1);

/// <summary>The puzzles an eval draws, and how many it skipped because the model was trained on them.</summary>
public sealed record FreshPuzzleDraw(IReadOnlyList<(ArithmeticPuzzle Puzzle, DifficultyTier? Tier)> Puzzles, int SkippedAsTrained);

public sealed record AdvantageFigures(FeedbackKind Kind, int Cases, double MeanNats, double SharePositive);

/// <summary>Per tier, over the puzzles that had a failure with feedback: the share of plain samples that pass, and the share
/// of samples drawn after SDPO's teacher context with that failure's feedback that pass (what the self-teacher samples,
/// and what SDPO distils). Their ratio is the feedback's gain in success per attempt.</summary>
/// <param name="Tier">null for the puzzles the caller gave</param>
public sealed record FeedbackPassRates(DifficultyTier? Tier, int Puzzles, double PassAt1, double PassAt1WithFeedback);

/// <summary>
/// How good the embedded model is, measured on freshly generated puzzles (the difficulty-tier generator, never
/// the pretraining curriculum) or on puzzles the caller gives (a benchmark's hard set): pass@1 and pass@64 per tier from n samples at temperature 1 (or another), pass@1 of the greedy
/// answer (temperature 0, what a user who asks once for the likeliest answer gets), the puzzles the
/// model itself finds hard (pass@64 below a threshold, as the paper selects), and the teacher advantage of
/// SDPO's self-teacher per kind of feedback, against the correct answer nearest to each failed attempt. With
/// <c>constrained</c> the samples come from the puzzle's answer grammar (well-formed, each number once), as
/// discovery runs with <c>sampling.constrained</c> draw them.
/// </summary>
public static class ModelEvaluation
{
    public static async Task<IReadOnlyList<PuzzleSamples>> SampleAsync(LanguageModel model, IReadOnlyList<(ArithmeticPuzzle Puzzle, DifficultyTier? Tier)> puzzles,
        int samples, int seed, IProgress<int>? progress = null, CancellationToken cancellationToken = default, bool constrained = false,
        double temperature = 1.0)
    {
        var generator = new TextGenerator(model.Model, model.Tokenizer);
        var results = new List<PuzzleSamples>(puzzles.Count);
        for (int i = 0; i < puzzles.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (puzzle, tier) = puzzles[i];
            var prompt = model.EncodePrompt(puzzle.RenderPrompt());
            var verifier = puzzle.CreateVerifier();
            var options = Sampling(model, verifier, constrained, temperature, seed * 100_003L + i);
            var (texts, greedy) = await model.Thread.RunAsync(() => (
                generator.Generate(Enumerable.Repeat(prompt, samples).ToList(), options).Select(s => s.Text ?? "").ToList(),
                generator.Generate(prompt, options with { Temperature = 0 }).Text ?? ""), cancellationToken);
            var failed = texts.Where(t => !verifier.Check(t).Passed).ToList();
            results.Add(new PuzzleSamples(puzzle, tier, samples, samples - failed.Count, failed, verifier.Check(greedy).Passed));
            progress?.Report(i + 1);
        }
        return results;
    }

    public static IReadOnlyList<TierFigures> ByTier(IReadOnlyList<PuzzleSamples> results) =>
        results.GroupBy(r => r.Tier).OrderBy(g => g.Key)
            .Select(g => new TierFigures(g.Key, g.Count(), g.Average(r => r.PassAt(1)), g.Average(r => r.PassAt(64)), g.Average(r => r.GreedyPassed ? 1.0 : 0.0)))
            .ToList();

    /// <summary>Teacher advantage per feedback kind over up to <paramref name="perPuzzle"/> failed attempts of each solvable
    /// puzzle; <paramref name="withinGrammar"/> renormalises both sides over the tokens the puzzle's answer grammar allows.</summary>
    public static async Task<IReadOnlyList<AdvantageFigures>> TeacherAdvantageAsync(LanguageModel model, IReadOnlyList<PuzzleSamples> results,
        int perPuzzle = 2, CancellationToken cancellationToken = default, bool withinGrammar = false)
    {
        var cases = new List<(FeedbackKind Kind, double Nats)>();
        foreach (var result in results)
        {
            var verifier = result.Puzzle.CreateVerifier();
            foreach (var attempt in result.FailedAttempts.Distinct().Take(perPuzzle))
            {
                var verdict = verifier.Check(attempt);
                var nearest = result.Puzzle.NearestSolution(attempt);
                if (nearest is null || string.IsNullOrWhiteSpace(verdict.Feedback)) continue;
                var advantage = await TeacherAdvantage.MeasureAsync(model, result.Puzzle.RenderPrompt(), verdict.Feedback, nearest,
                    cancellationToken: cancellationToken, grammar: withinGrammar ? verifier.AnswerGrammar : null);
                cases.Add((FeedbackKinds.Of(verdict), advantage.Nats));
            }
        }
        return cases.GroupBy(c => c.Kind).OrderBy(g => g.Key)
            .Select(g => new AdvantageFigures(g.Key, g.Count(), g.Average(c => c.Nats), g.Count(c => c.Nats > 0) / (double)g.Count()))
            .ToList();
    }

    /// <summary>
    /// For each puzzle with a failed sample that has feedback, <paramref name="samples"/> more samples from SDPO's teacher
    /// context with the first such failure's feedback (the attempt itself is not in it), with the same sampling options
    /// as <see cref="SampleAsync"/>; grouped by tier against the plain samples' pass rate on the same puzzles.
    /// </summary>
    public static async Task<IReadOnlyList<FeedbackPassRates>> FeedbackPassRatesAsync(LanguageModel model, IReadOnlyList<PuzzleSamples> results,
        int samples, int seed, CancellationToken cancellationToken = default, bool constrained = false, double temperature = 1.0)
    {
        var generator = new TextGenerator(model.Model, model.Tokenizer);
        var measured = new List<(DifficultyTier? Tier, double Plain, double WithFeedback)>();
        for (int i = 0; i < results.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = results[i];
            var verifier = result.Puzzle.CreateVerifier();
            var feedback = result.FailedAttempts.Select(a => verifier.Check(a).Feedback).FirstOrDefault(f => !string.IsNullOrWhiteSpace(f));
            if (feedback is null) continue;
            var context = model.EncodePrompt(TeacherPrompt.Build(result.Puzzle.RenderPrompt(), feedback));
            var options = Sampling(model, verifier, constrained, temperature, (seed + 7_919L) * 100_003L + i);
            var texts = await model.Thread.RunAsync(() =>
                generator.Generate(Enumerable.Repeat(context, samples).ToList(), options).Select(s => s.Text ?? "").ToList(), cancellationToken);
            measured.Add((result.Tier, result.PassAt(1), texts.Count(t => verifier.Check(t).Passed) / (double)samples));
        }
        return measured.GroupBy(m => m.Tier).OrderBy(g => g.Key)
            .Select(g => new FeedbackPassRates(g.Key, g.Count(), g.Average(m => m.Plain), g.Average(m => m.WithFeedback)))
            .ToList();
    }

    /// <summary>How every evaluation sample is drawn: up to 48 tokens, inside the puzzle's grammar when constrained.</summary>
    private static SamplingOptions Sampling(LanguageModel model, ArithmeticVerifier verifier, bool constrained, double temperature, long seed) => new()
    {
        Temperature = temperature, MaxNewTokens = 48, StopTokenIds = model.Tokenizer.StopTokenIds, Seed = seed,
        Grammar = constrained ? verifier.AnswerGrammar : null,
    };

    /// <summary>Fresh puzzles per tier from the difficulty generator, seeded apart from any training data, skipping the
    /// puzzles in <paramref name="trained"/> (keys of <see cref="TrainedPuzzles"/>) and, with <paramref name="evalSliceOnly"/>,
    /// those outside the <see cref="EvalSlice"/>; without either, the generator's first <paramref name="perTier"/> of each tier.</summary>
    public static FreshPuzzleDraw FreshPuzzles(IEnumerable<DifficultyTier> tiers, int perTier, int seed, IReadOnlySet<string>? trained = null,
        bool evalSliceOnly = false)
    {
        var puzzles = new List<(ArithmeticPuzzle Puzzle, DifficultyTier? Tier)>();
        int skipped = 0;
        foreach (var tier in tiers)
        {
            var generator = new ArithmeticPuzzleGenerator(tier, seed * 31 + (int)tier);
            for (int kept = 0; kept < perTier;)
            {
                var puzzle = generator.Next().Puzzle;
                if (evalSliceOnly && !EvalSlice.Contains(puzzle)) continue;
                if (trained?.Contains(TrainedPuzzles.Key(puzzle)) == true) { skipped++; continue; }
                puzzles.Add((puzzle, tier));
                kept++;
            }
        }
        return new FreshPuzzleDraw(puzzles, skipped);
    }
}
