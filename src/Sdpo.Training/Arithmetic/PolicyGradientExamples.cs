using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// On-policy examples for a policy-gradient step (REINFORCE with a per-puzzle baseline, as GRPO without the
/// standard-deviation scaling): several samples of the current model per fresh puzzle, each weighted by its reward
/// (1 when the verifier passes it, else 0) minus the mean reward of its puzzle's samples. Passing samples are pushed
/// up and failing ones down by the same total, so only puzzles the model sometimes solves teach anything; the others
/// are left out. Where rejection-sampling fine-tuning (<see cref="SelfPlayExamples"/>) only imitates passes, this
/// also moves probability away from the model's typical near misses, which is what raises pass@1.
/// Runs on the calling thread, which must own the model.
/// </summary>
public static class PolicyGradientExamples
{
    public static PolicyGradientBatch Collect(CausalLM model, ITextTokenizer tokenizer, ArithmeticCurriculum puzzles,
        int puzzleCount, int samplesPerPuzzle, int seed)
    {
        if (samplesPerPuzzle < 2) throw new ArgumentOutOfRangeException(nameof(samplesPerPuzzle), samplesPerPuzzle, "A baseline needs at least two samples per puzzle.");
        var random = new Random(seed);
        var drawn = Enumerable.Range(0, puzzleCount).Select(_ => puzzles.Puzzle(random).Puzzle).ToList();
        var prompts = drawn.SelectMany(p => Enumerable.Repeat(tokenizer.Encode(p.RenderPrompt()), samplesPerPuzzle)).ToList();
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 48, StopTokenIds = tokenizer.StopTokenIds, Seed = random.NextInt64() };
        var attempts = new TextGenerator(model, tokenizer).Generate(prompts, options);

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
            examples.AddRange(group.Select(g => new CurriculumExample(CurriculumExampleKind.Direct, drawn[p].RenderPrompt(), g.Text, g.Reward - baseline)));
        }
        return new PolicyGradientBatch(examples, passed / (double)prompts.Count);
    }
}

/// <summary>The weighted samples of one policy-gradient step, and the share of all samples drawn that passed.</summary>
public sealed record PolicyGradientBatch(IReadOnlyList<CurriculumExample> Examples, double PassRate);
