using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tokenization;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;
using static TorchSharp.torch;

namespace Sdpo.Training.Tests;

public sealed class TrainedPuzzlesTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_puzzles_a_policy_gradient_run_trained_on_are_replayed_from_its_log()
    {
        var options = PretrainOptions.Quick(_folder.Path) with { Steps = 3, PolicyGradientPuzzles = 4, PolicyGradientSamples = 2, Seed = 9 };
        ArithmeticPretrainer.Run(options);

        var trained = TrainedPuzzles.PolicyGradientPuzzlesOf(_folder.Path);

        Assert.InRange(trained.Count, 4, 12);
        // What the sampler actually trains on at each step (with a model that solves some, so groups are kept).
        using var scope = NewDisposeScope();
        using var model = CheckpointLoader.Load(Checkout.EmbeddedModel);
        var tokenizer = TokenizerLoader.Load(Checkout.EmbeddedModel);
        var curriculum = new ArithmeticCurriculum(options.PolicyGradientCurriculum);
        var contexts = Enumerable.Range(0, 3)
            .SelectMany(step => PolicyGradientExamples.Collect(model, tokenizer, curriculum, 4, 8, TrainedPuzzles.PolicyGradientSeed(options.Seed, step)).Examples)
            .Select(e => TrainedPuzzles.Key(PuzzlePrompts.Parse(e.Context)))
            .ToList();
        Assert.NotEmpty(contexts);
        Assert.All(contexts, key => Assert.Contains(key, trained));
    }

    [Fact]
    public void A_log_from_before_the_eval_slice_is_replayed_from_the_whole_space()
    {
        var options = PretrainOptions.Quick(_folder.Path) with { Steps = 40, PolicyGradientPuzzles = 16, PolicyGradientSamples = 2, Seed = 4 };
        ArithmeticPretrainer.Run(options);
        string log = Path.Combine(_folder.Path, ArithmeticPretrainer.LogFileName);
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(log))!;
        node["options"]!["PolicyGradientCurriculum"]!.AsObject().Remove("LeaveOutEvalSlice");
        File.WriteAllText(log, node.ToJsonString());

        var trained = TrainedPuzzles.PolicyGradientPuzzlesOf(_folder.Path);

        var whole = new ArithmeticCurriculum(options.PolicyGradientCurriculum with { LeaveOutEvalSlice = false });
        var expected = Enumerable.Range(0, 40)
            .SelectMany(step => PolicyGradientExamples.DrawPuzzles(whole, 16, new Random(TrainedPuzzles.PolicyGradientSeed(4, step))))
            .Select(TrainedPuzzles.Key).ToHashSet();
        Assert.True(expected.SetEquals(trained));
        Assert.Contains(trained, key => EvalSlice.Contains(PuzzleOf(key)));
    }

    private static ArithmeticPuzzle PuzzleOf(string key)
    {
        var parts = key.Split(" -> ");
        return new ArithmeticPuzzle(parts[0].Split(' ').Select(int.Parse).ToArray(), int.Parse(parts[1]));
    }

    [Fact]
    public void A_model_without_a_policy_gradient_run_or_without_this_trainers_log_has_none()
    {
        Assert.Empty(TrainedPuzzles.PolicyGradientPuzzlesOf(_folder.Path));
        File.WriteAllText(Path.Combine(_folder.Path, ArithmeticPretrainer.LogFileName), """{"steps": 10, "log": []}""");
        Assert.Empty(TrainedPuzzles.PolicyGradientPuzzlesOf(_folder.Path));
        Assert.False(TrainedPuzzles.EvalSliceLeftOutBy(_folder.Path));
        ArithmeticPretrainer.Run(PretrainOptions.Quick(_folder.Path) with { Steps = 1 });
        Assert.Empty(TrainedPuzzles.PolicyGradientPuzzlesOf(_folder.Path));
    }

    [Fact]
    public void Puzzles_are_the_same_whatever_the_order_of_their_numbers()
    {
        Assert.Equal(TrainedPuzzles.Key(new ArithmeticPuzzle([7, 3, 5], 22)), TrainedPuzzles.Key(new ArithmeticPuzzle([3, 5, 7], 22)));
        Assert.NotEqual(TrainedPuzzles.Key(new ArithmeticPuzzle([3, 5, 7], 22)), TrainedPuzzles.Key(new ArithmeticPuzzle([3, 5, 7], 23)));
    }

    [Fact]
    public void The_eval_skips_trained_puzzles_and_still_draws_as_many()
    {
        var plain = ModelEvaluation.FreshPuzzles([DifficultyTier.Easy], perTier: 6, seed: 3);
        var trained = new HashSet<string> { TrainedPuzzles.Key(plain.Puzzles[1].Puzzle) };

        var skipping = ModelEvaluation.FreshPuzzles([DifficultyTier.Easy], perTier: 6, seed: 3, trained);

        Assert.Equal(0, plain.SkippedAsTrained);
        Assert.True(skipping.SkippedAsTrained >= 1);
        Assert.Equal(6, skipping.Puzzles.Count);
        Assert.DoesNotContain(skipping.Puzzles, p => trained.Contains(TrainedPuzzles.Key(p.Puzzle)));
        Assert.Equal(plain.Puzzles[0].Puzzle.ToJson(), skipping.Puzzles[0].Puzzle.ToJson());
        Assert.Equal(plain.Puzzles[2].Puzzle.ToJson(), skipping.Puzzles[1].Puzzle.ToJson());
    }
}
