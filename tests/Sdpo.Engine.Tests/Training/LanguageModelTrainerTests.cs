using Sdpo.Engine.Tests.Models;
using Sdpo.Engine.Training;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Training;

public class LanguageModelTrainerTests
{
    private static readonly TrainingExample Example = new([1, 5, 9, 13, 17, 21, 25, 2], CompletionStart: 3);

    private static TrainerOptions Options => new() { LearningRate = 1e-2, WarmupSteps = 0, TotalSteps = 10, WeightDecay = 0 };

    [Fact]
    public void An_examples_weight_scales_its_loss()
    {
        using var scope = NewDisposeScope();
        using var plain = TinyModels.Random(TinyModels.Qwen3Config());
        using var doubled = TinyModels.Random(TinyModels.Qwen3Config());
        using var plainTrainer = new LanguageModelTrainer(plain, Options);
        using var doubledTrainer = new LanguageModelTrainer(doubled, Options);

        double loss = plainTrainer.TrainStep([Example]);
        double weighted = doubledTrainer.TrainStep([Example with { Weight = 2 }]);

        Assert.True(loss > 0);
        Assert.Equal(2 * loss, weighted, 5);
    }

    [Theory]
    [InlineData(1.0, -1)]
    [InlineData(-1.0, +1)]
    public void A_positive_weight_makes_the_completion_likelier_and_a_negative_one_less_likely(double weight, int expectedLossChange)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var trainer = new LanguageModelTrainer(model, Options);
        double before = trainer.Evaluate([Example]);

        trainer.TrainStep([Example with { Weight = weight }]);

        Assert.Equal(expectedLossChange, Math.Sign(trainer.Evaluate([Example]) - before));
    }

    [Fact]
    public void An_example_of_weight_zero_teaches_nothing()
    {
        using var scope = NewDisposeScope();
        using var withIt = TinyModels.Random(TinyModels.Qwen3Config());
        using var without = TinyModels.Random(TinyModels.Qwen3Config());
        using var withTrainer = new LanguageModelTrainer(withIt, Options);
        using var withoutTrainer = new LanguageModelTrainer(without, Options);
        var other = new TrainingExample([1, 40, 41, 42, 43, 2], CompletionStart: 2);

        double untrained = withTrainer.Evaluate([Example]);

        withTrainer.TrainStep([Example with { Weight = 0 }, other]);
        withoutTrainer.TrainStep([other]);

        // AdamW's first step moves each weight by the sign of its gradient, so the batches' different token counts do not show.
        Assert.Equal(withoutTrainer.Evaluate([Example]), withTrainer.Evaluate([Example]), 4);
        Assert.NotEqual(untrained, withTrainer.Evaluate([Example]), 4);
    }

    [Fact]
    public void A_weight_that_is_not_a_number_is_refused()
    {
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var trainer = new LanguageModelTrainer(model, Options);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TrainStep([Example with { Weight = double.NaN }]));
        Assert.Equal("Weight", error.ParamName);
    }
}
