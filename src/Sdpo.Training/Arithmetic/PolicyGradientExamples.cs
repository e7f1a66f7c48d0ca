using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tokenization;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// On-policy examples for a policy-gradient step (REINFORCE with a per-context baseline, as GRPO without the
/// standard-deviation scaling): several samples of the current model per fresh puzzle, each weighted by its reward
/// (1 when the verifier passes it, else 0) minus the mean reward of the samples drawn from the same context. Passing
/// samples are pushed up and failing ones down by the same total, so only contexts the model sometimes solves teach
/// anything; the others are left out. Where rejection-sampling fine-tuning (<see cref="SelfPlayExamples"/>) only
/// imitates passes, this also moves probability away from the model's typical near misses, which is what raises
/// pass@1. A share of the puzzles is sampled in SDPO's teacher context instead: after the feedback on one failed
/// attempt of the model's own, which rewards reading that feedback. Runs on the calling thread, which must own the model.
/// </summary>
public static class PolicyGradientExamples
{
    public static PolicyGradientBatch Collect(CausalLM model, ITextTokenizer tokenizer, ArithmeticCurriculum puzzles,
        int puzzleCount, int samplesPerPuzzle, int seed, double teacherShare = 0)
    {
        if (samplesPerPuzzle < 2) throw new ArgumentOutOfRangeException(nameof(samplesPerPuzzle), samplesPerPuzzle, "A baseline needs at least two samples per puzzle.");
        if (teacherShare is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(teacherShare), teacherShare, "The teacher share is a share: 0 to 1.");
        var random = new Random(seed);
        var generator = new TextGenerator(model, tokenizer);
        var drawn = DrawPuzzles(puzzles, puzzleCount, random);
        int teacherPuzzles = (int)Math.Round(puzzleCount * teacherShare);
        var contexts = drawn.Select(p => (Kind: CurriculumExampleKind.Direct, Text: p.RenderPrompt())).ToList();
        if (teacherPuzzles > 0)
        {
            // One attempt each; a puzzle whose attempt passes (or says nothing) keeps the plain prompt.
            var first = generator.Generate(drawn.Take(teacherPuzzles).Select(p => tokenizer.Encode(p.RenderPrompt())).ToList(), OwnSamples.Options(tokenizer, random));
            for (int p = 0; p < teacherPuzzles; p++)
            {
                var verdict = drawn[p].CreateVerifier().Check(first[p].Text ?? "");
                if (!verdict.Passed && !string.IsNullOrWhiteSpace(verdict.Feedback))
                    contexts[p] = (CurriculumExampleKind.Teacher, TeacherPrompt.Build(drawn[p].RenderPrompt(), verdict.Feedback));
            }
        }

        var prompts = contexts.SelectMany(c => Enumerable.Repeat(tokenizer.Encode(c.Text), samplesPerPuzzle)).ToList();
        var attempts = generator.Generate(prompts, OwnSamples.Options(tokenizer, random));
        var examples = new List<CurriculumExample>();
        int passed = 0;
        for (int p = 0; p < drawn.Count; p++)
        {
            var verifier = drawn[p].CreateVerifier();
            var group = Enumerable.Range(p * samplesPerPuzzle, samplesPerPuzzle)
                .Select(i => (Text: (attempts[i].Text ?? "").Trim(), Reward: verifier.Check(attempts[i].Text ?? "").Passed ? 1.0 : 0.0))
                .ToList();
            double baseline = group.Average(g => g.Reward);
            passed += group.Count(g => g.Reward > 0);
            if (baseline is 0 or 1) continue;
            // An empty or unterminated sample still has tokens to push down: its end-of-text comes from Encode.
            examples.AddRange(group.Select(g => new CurriculumExample(contexts[p].Kind, contexts[p].Text, g.Text, g.Reward - baseline)));
        }
        return new PolicyGradientBatch(examples, passed / (double)prompts.Count);
    }

    /// <summary>The puzzles of one step: the first draws of its stream, so <see cref="TrainedPuzzles"/> can replay them.</summary>
    public static List<ArithmeticPuzzle> DrawPuzzles(ArithmeticCurriculum puzzles, int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => puzzles.Puzzle(random).Puzzle).ToList();
}

/// <summary>The weighted samples of one policy-gradient step, and the share of all samples drawn that passed.</summary>
public sealed record PolicyGradientBatch(IReadOnlyList<CurriculumExample> Examples, double PassRate);
