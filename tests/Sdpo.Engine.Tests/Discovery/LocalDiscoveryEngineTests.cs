using Sdpo.Engine.Discovery;
using Sdpo.Engine.Tests.Sdpo;

namespace Sdpo.Engine.Tests.Discovery;

/// <summary>The in-process engine's teacher-advantage measurement, on a model whose teacher knows the answer from the
/// feedback "The answer is X." by construction.</summary>
public sealed class LocalDiscoveryEngineTests(ToyLanguageModel toy) : IClassFixture<ToyLanguageModel>
{
    private readonly LocalDiscoveryEngine _engine = new(toy.Model);

    [Fact]
    public async Task Feedback_that_names_the_answer_gives_a_large_advantage_and_feedback_that_names_another_a_negative_one()
    {
        var named = await _engine.MeasureTeacherAdvantageAsync(ToyLanguageModel.Prompt, ToyLanguageModel.Feedback('c'), "c", null, default);
        var misleading = await _engine.MeasureTeacherAdvantageAsync(ToyLanguageModel.Prompt, ToyLanguageModel.Feedback('f'), "c", null, default);

        // Without feedback the student spreads over eight letters (about ln 8 = 2.1 nats for the letter).
        Assert.True(named.StudentLogProb < -1.0, $"student {named.StudentLogProb}");
        Assert.True(named.Nats > 1.0, $"advantage {named.Nats}");
        Assert.True(misleading.Nats < 0, $"advantage {misleading.Nats}");
        Assert.Equal(named.StudentLogProb, misleading.StudentLogProb, 5);
        Assert.Equal(2, named.Tokens); // the letter and the stop token
    }

    [Fact]
    public async Task A_teacher_context_past_the_models_context_is_refused_before_scoring()
    {
        var feedback = string.Concat(Enumerable.Repeat("The answer is c. ", 20));
        var error = await Assert.ThrowsAsync<ContextLengthException>(() =>
            _engine.MeasureTeacherAdvantageAsync(ToyLanguageModel.Prompt, feedback, "c", null, default));
        Assert.Contains("teacher context plus answer", error.Message);
    }
}
