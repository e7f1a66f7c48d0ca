using Sdpo.Engine;
using Sdpo.Engine.Generation;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;

namespace Sdpo.Training.Tests;

public class ModelEvaluationTests
{
    [Fact]
    public async Task GreedyPassAt1JudgesTheModelsLikeliestAnswerOnce()
    {
        using var model = await LanguageModel.LoadAsync("eval-test", Checkout.EmbeddedModel);
        var puzzles = ModelEvaluation.FreshPuzzles([DifficultyTier.Easy], perTier: 6, seed: 3).Puzzles;

        var results = await ModelEvaluation.SampleAsync(model, puzzles, samples: 4, seed: 3);

        var generator = new TextGenerator(model.Model, model.Tokenizer);
        foreach (var result in results)
        {
            var greedy = await model.Thread.RunAsync(() => generator.Generate(model.EncodePrompt(result.Puzzle.RenderPrompt()),
                new SamplingOptions { Temperature = 0, MaxNewTokens = 48, StopTokenIds = model.Tokenizer.StopTokenIds }).Text ?? "");
            Assert.Equal(result.Puzzle.CreateVerifier().Check(greedy).Passed, result.GreedyPassed);
            Assert.Equal(4 - result.Passed, result.FailedAttempts.Count);
        }
        var easy = Assert.Single(ModelEvaluation.ByTier(results));
        Assert.Equal(results.Count(r => r.GreedyPassed) / 6.0, easy.GreedyPassAt1, 9);
        Assert.Equal(results.Average(r => r.Passed / 4.0), easy.PassAt1, 9);
    }
}
