using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tests.Sdpo;

namespace Sdpo.Engine.Tests.Discovery;

/// <summary>The in-process engine, on a model whose teacher knows the answer from the feedback "The answer is X." by
/// construction.</summary>
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

    private sealed class NamesE : IVerifier
    {
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, ToyLanguageModel.Feedback('e')));
    }

    /// <summary>maxNewTokens 60 in the toy model's context of 160: the prompt fits beside it, the teacher context
    /// (about 130 tokens) only beside the one-letter attempts actually sampled.</summary>
    private static DiscoveryRequest NearTheContextLimit(DiscoveryMethod method) =>
        new(new Problem(ToyLanguageModel.Prompt), new NamesE(), method, new DiscoveryBudget(16, 8),
            new AttemptSampling(MaxNewTokens: 60), new SdpoOptions { LearningRate = 2e-2 }, Seed: 5);

    private async Task<List<DiscoveryEvent>> Run(DiscoveryRequest request)
    {
        var events = new List<DiscoveryEvent>();
        await foreach (var e in _engine.RunAsync(request)) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Near_the_context_limit_sdpo_still_distils_its_failures()
    {
        var events = await Run(NearTheContextLimit(DiscoveryMethod.Sdpo));
        Assert.IsType<Exhausted>(events[^1]);
        Assert.All(events.OfType<StepCompleted>(), step =>
        {
            Assert.Equal(8, step.TrainedAttempts);
            Assert.NotNull(step.Loss);
        });
    }

    [Fact]
    public async Task A_context_that_leaves_less_than_max_new_tokens_is_sampled_up_to_the_models_context_end()
    {
        // The self-teacher's context near the limit: the teacher context (about 130 of 160 tokens) and 60 new tokens.
        using var policy = await SdpoPolicy.CreateAsync(toy.Model, NearTheContextLimit(DiscoveryMethod.SelfTeacher), default);
        string teacher = TeacherPrompt.Build(ToyLanguageModel.Prompt, ToyLanguageModel.Feedback('e'));
        Assert.True(policy.CountContextTokens(teacher) + 60 > toy.Model.ContextLength);
        var attempts = await policy.SampleAsync(Enumerable.Repeat(teacher, 8).ToList(), new AttemptSampling(MaxNewTokens: 60), seed: 5, default);
        // The teacher context names the answer: its attempts say "e", where the plain question gives any of eight letters.
        Assert.True(attempts.Count(a => a.Text == "e") >= 6, string.Join(", ", attempts.Select(a => a.Text)));
        Assert.All(attempts, a => Assert.True(policy.CountContextTokens(teacher) + a.TokenIds.Count <= toy.Model.ContextLength));
    }

    [Theory]
    [InlineData(TeacherKind.Frozen, false)]
    [InlineData(TeacherKind.Ema, true)]
    public async Task Only_a_teacher_that_changes_is_saved_and_a_saved_run_resumes_to_the_same_continuation(TeacherKind teacher, bool saved)
    {
        var request = new DiscoveryRequest(new Problem(ToyLanguageModel.Prompt), new NamesE(), DiscoveryMethod.Sdpo, new DiscoveryBudget(24, 8),
            new AttemptSampling(MaxNewTokens: 4), new SdpoOptions { LearningRate = 2e-2, Teacher = teacher }, Seed: 3);
        var uninterrupted = (await Run(request)).OfType<AttemptEvaluated>().Select(a => (a.Index, a.Text)).ToList();
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-engine-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var cts = new CancellationTokenSource())
            {
                // Cancelled once the first step is reported: the loop saves it, then stops.
                await foreach (var e in _engine.RunAsync(request, directory, cts.Token)) if (e is StepCompleted) cts.Cancel();
            }
            var policy = Assert.Single(Directory.GetDirectories(directory, "policy-*"));
            Assert.Equal(saved, Directory.Exists(Path.Combine(policy, "teacher")));
            Assert.True(Directory.Exists(Path.Combine(policy, "student")));

            var resumed = new List<DiscoveryEvent>();
            await foreach (var e in _engine.RunAsync(request, directory)) resumed.Add(e);
            Assert.IsType<Exhausted>(resumed[^1]);
            Assert.Equal(uninterrupted.Skip(8), resumed.OfType<AttemptEvaluated>().Select(a => (a.Index, a.Text)));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
