using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Lora;
using Sdpo.Engine.Metrics;
using Sdpo.Engine.Scoring;
using Sdpo.Engine.Sdpo;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Sdpo;

public class SdpoPolicyTests : IClassFixture<ToyLanguageModel>
{
    private const char Right = 'e';
    private readonly ToyLanguageModel _toy;
    private readonly ITestOutputHelper _output;

    public SdpoPolicyTests(ToyLanguageModel toy, ITestOutputHelper output)
    {
        _toy = toy;
        _output = output;
    }

    private sealed class NamesTheAnswer : IVerifier
    {
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, ToyLanguageModel.Feedback(Right)));
    }

    private static DiscoveryRequest Request(DiscoveryMethod method, int attempts = 32, long seed = 5, TeacherKind teacher = TeacherKind.Ema) =>
        new(new Problem(ToyLanguageModel.Prompt), new NamesTheAnswer(), method, new DiscoveryBudget(attempts, 8),
            new AttemptSampling(MaxNewTokens: 4), new SdpoOptions { LearningRate = 2e-2, Teacher = teacher }, seed);

    private double RightAnswerLogProb(SdpoPolicy? policy, string? context = null)
    {
        var model = _toy.Model;
        var scorer = new SequenceScorer(model.Model);
        var answer = model.Tokenizer.Encode(Right.ToString()).Append(model.Tokenizer.StopTokenIds[0]).ToList();
        return model.Thread.RunAsync(() =>
        {
            using var attachment = policy?.Adapter?.Attach(model.Model);
            return scorer.Score(new[] { new ScoringPair(model.EncodePrompt(context ?? ToyLanguageModel.Prompt), answer) })[0].TotalLogProb;
        }).GetAwaiter().GetResult();
    }

    private static async Task<List<DiscoveryEvent>> Run(IAsyncEnumerable<DiscoveryEvent> events)
    {
        var list = new List<DiscoveryEvent>();
        await foreach (var e in events) list.Add(e);
        return list;
    }

    [Fact]
    public async Task StudentLogProbsScoreAnswersAsTheStudentDoesBeforeAndAfterLearning()
    {
        using var sdpo = await SdpoPolicy.CreateAsync(_toy.Model, Request(DiscoveryMethod.Sdpo), default);
        var before = await sdpo.StudentLogProbsAsync(ToyLanguageModel.Prompt, [Right.ToString()], default);
        Assert.Equal(RightAnswerLogProb(null), before[0], 4);

        await Run(DiscoveryLoop.RunAsync(Request(DiscoveryMethod.Sdpo), sdpo));
        var after = await sdpo.StudentLogProbsAsync(ToyLanguageModel.Prompt, [Right.ToString()], default);
        // Scored through the merged weight copy; the reference runs the adapter's branch.
        Assert.Equal(RightAnswerLogProb(sdpo), after[0], 4);
        Assert.True(after[0] - before[0] > 0.5, $"moved by {after[0] - before[0]:F3}");
    }

    [Fact]
    public void TheToyTeacherKnowsBetterThanTheStudent()
    {
        double student = RightAnswerLogProb(null);
        double teacher = RightAnswerLogProb(null, TeacherPrompt.Build(ToyLanguageModel.Prompt, ToyLanguageModel.Feedback(Right)));
        _output.WriteLine($"student {student:F3} teacher {teacher:F3}");
        Assert.True(teacher - student > 1.0, $"teacher advantage {teacher - student:F3} nats");
    }

    [Fact]
    public async Task SdpoRaisesTheStudentsProbabilityOfTheRightAnswerWhileBestOfKDoesNot()
    {
        double before = RightAnswerLogProb(null);

        using var sdpo = await SdpoPolicy.CreateAsync(_toy.Model, Request(DiscoveryMethod.Sdpo), default);
        var events = await Run(DiscoveryLoop.RunAsync(Request(DiscoveryMethod.Sdpo), sdpo));
        double afterSdpo = RightAnswerLogProb(sdpo);
        Assert.Equal(4, events.OfType<StepCompleted>().Count(s => s.Loss is not null));

        using var bestOfK = await SdpoPolicy.CreateAsync(_toy.Model, Request(DiscoveryMethod.BestOfK), default);
        await Run(DiscoveryLoop.RunAsync(Request(DiscoveryMethod.BestOfK), bestOfK));
        double afterBestOfK = RightAnswerLogProb(bestOfK);

        _output.WriteLine($"log p(right): before {before:F3}, after SDPO {afterSdpo:F3}, after best-of-k {afterBestOfK:F3}");
        Assert.True(afterSdpo - before > 0.5, $"SDPO moved log p(right) by {afterSdpo - before:F3}");
        Assert.Equal(before, afterBestOfK, 6);
    }

    [Theory]
    [InlineData(TeacherKind.Frozen, false)] // the base model's teacher opening kept for the run
    [InlineData(TeacherKind.Ema, true)]
    public async Task SdpoStillLearnsWithAKeptTeacherOpeningOrADetachedStudentPrompt(TeacherKind teacher, bool detachStudentPrompt)
    {
        var request = Request(DiscoveryMethod.Sdpo, teacher: teacher);
        await AssertSdpoRaisesTheRightAnswer(request with { Sdpo = request.Sdpo! with { DetachStudentPrompt = detachStudentPrompt } });
    }

    /// <summary>Runs SDPO on the toy question (four updating steps) and checks that it made the right answer likelier.</summary>
    private async Task AssertSdpoRaisesTheRightAnswer(DiscoveryRequest request, Action<SdpoPolicy>? inspect = null)
    {
        double before = RightAnswerLogProb(null);
        using var sdpo = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
        inspect?.Invoke(sdpo);
        var events = await Run(DiscoveryLoop.RunAsync(request, sdpo));
        Assert.Equal(4, events.OfType<StepCompleted>().Count(s => s.Loss is not null));
        double after = RightAnswerLogProb(sdpo);
        _output.WriteLine($"log p(right): before {before:F3}, after {after:F3}");
        Assert.True(after - before > 0.5, $"SDPO moved log p(right) by {after - before:F3}");
    }

    [Fact]
    public void DetachedStudentPromptIsLeftOutOfTheWireFormUntilSet()
    {
        Assert.DoesNotContain("detachStudentPrompt", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"detachStudentPrompt\":true", SdpoDefaults.Serialize(new SdpoOptions { DetachStudentPrompt = true }));
    }

    [Fact]
    public async Task TeacherGuidanceExtrapolatesWhatTheFeedbackChanges()
    {
        async Task<double> FirstStepLogRatio(double guidance)
        {
            var request = Request(DiscoveryMethod.Sdpo, attempts: 8) with
            {
                Sdpo = new SdpoOptions { LearningRate = 2e-2, UpdatesPerBatch = 1, LogRatioClip = null, TeacherGuidance = guidance },
            };
            using var policy = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
            var events = await Run(DiscoveryLoop.RunAsync(request, policy));
            return Assert.Single(events.OfType<StepCompleted>()).MeanTeacherStudentLogRatio!.Value;
        }

        // The same samples (same seed, untrained student); only the teacher differs. The feedback-informed teacher
        // rates the sampled wrong answers lower than the student does; guidance 2 pushes that further.
        var plain = await FirstStepLogRatio(0);
        var guided = await FirstStepLogRatio(2);
        _output.WriteLine($"first step's teacher−student log-ratio: plain {plain:F4}, guidance 2 {guided:F4}");
        Assert.True(plain < 0, $"plain {plain:F4}");
        Assert.True(guided < 2 * plain, $"guided {guided:F4} against plain {plain:F4}");
    }

    [Fact]
    public async Task AfterItsLearningStepsARunSamplesTheAdaptedStudentWithoutUpdates()
    {
        async Task<(List<StepCompleted> Steps, double RightLogProb)> RunWithBudget(int attempts)
        {
            var request = Request(DiscoveryMethod.Sdpo, attempts: attempts) with
            {
                Sdpo = new SdpoOptions { LearningRate = 2e-2, LearningSteps = 2 },
            };
            using var policy = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
            var steps = (await Run(DiscoveryLoop.RunAsync(request, policy))).OfType<StepCompleted>().ToList();
            return (steps, (await policy.StudentLogProbsAsync(ToyLanguageModel.Prompt, [Right.ToString()], default))[0]);
        }

        var twoSteps = await RunWithBudget(16);
        var fourSteps = await RunWithBudget(32);

        Assert.Equal([0, 1, 2, 3], fourSteps.Steps.Select(s => s.Step));
        Assert.All(fourSteps.Steps.Take(2), s => Assert.True(s.Loss is not null && s.TrainedAttempts > 0));
        Assert.All(fourSteps.Steps.Skip(2), s => Assert.True(s.Loss is null && s.TrainedAttempts == 0 && s.Timings.UpdateMs == 0));
        // Steps 2 and 3 changed nothing: the student is where two steps left it.
        Assert.Equal(twoSteps.RightLogProb, fourSteps.RightLogProb, 9);
        Assert.NotEqual(RightAnswerLogProb(null), fourSteps.RightLogProb, 3);
    }

    [Fact]
    public void LearningStepsBelowOneAreRefusedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SdpoOptions { LearningSteps = 0 }.Validate());
        Assert.Contains("sdpo.learningSteps", error.Message);
        Assert.DoesNotContain("learningSteps", SdpoDefaults.Serialize(new SdpoOptions()));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(11)]
    [InlineData(double.NaN)]
    public void TeacherGuidanceOutOfRangeIsRefusedByName(double guidance)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SdpoOptions { TeacherGuidance = guidance }.Validate());
        Assert.Contains("sdpo.teacherGuidance", error.Message);
    }

    [Fact]
    public void TeacherGuidanceIsLeftOutOfTheWireFormUntilSet()
    {
        Assert.DoesNotContain("teacherGuidance", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"teacherGuidance\":1.5", SdpoDefaults.Serialize(new SdpoOptions { TeacherGuidance = 1.5 }));
    }

    [Fact]
    public async Task SdpoChangesOnlyTheAdapterNeverTheBaseWeights()
    {
        var model = _toy.Model;
        var before = await model.Thread.RunAsync(() => model.Model.parameters().Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToList());
        using var policy = await SdpoPolicy.CreateAsync(model, Request(DiscoveryMethod.Sdpo, attempts: 16), default);
        var initialAdapter = await model.Thread.RunAsync(() => policy.Adapter!.Parameters.Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToList());
        await Run(DiscoveryLoop.RunAsync(Request(DiscoveryMethod.Sdpo, attempts: 16), policy));
        await model.Thread.RunAsync(() =>
        {
            foreach (var (saved, current) in before.Zip(model.Model.parameters())) Assert.True(saved.equal(current).all().item<bool>());
            Assert.Contains(initialAdapter.Zip(policy.Adapter!.Parameters), pair => !pair.First.equal(pair.Second).all().item<bool>());
            foreach (var t in before.Concat(initialAdapter)) t.Dispose();
        });
    }

    [Fact]
    public async Task AfterAnUpdateTheStudentSamplesWithoutTheOpeningKeptBeforeIt()
    {
        var model = _toy.Model;
        const string question = "Q: which of abcdefgh"; // long enough for its opening to be kept between steps
        using var policy = await SdpoPolicy.CreateAsync(model, Request(DiscoveryMethod.Sdpo), default);
        var contexts = Enumerable.Repeat(question, 8).ToList();
        var sampling = new AttemptSampling(MaxNewTokens: 4);
        var prompts = contexts.Select(c => model.EncodePrompt(c)).ToList();
        SamplingOptions Options(long seed) => new() { MaxNewTokens = 4, StopTokenIds = model.Tokenizer.StopTokenIds, Seed = seed };
        var generator = new TextGenerator(model.Model, model.Tokenizer);
        using var stale = new PromptOpeningCache();
        IReadOnlyList<GeneratedSequence> SampleStudent(long seed, PromptOpeningCache? openings)
        {
            using var attachment = policy.Adapter!.Attach(model.Model);
            using var merged = policy.Adapter.MergeForInference();
            return generator.Generate(prompts, Options(seed), openings);
        }

        var first = await policy.SampleAsync(contexts, sampling, seed: 1, default);
        await model.Thread.RunAsync(() => SampleStudent(1, stale));
        var failed = first.Select(a => new TrainingAttempt(a, question, TeacherPrompt.Build(question, ToyLanguageModel.Feedback(Right)))).ToList();
        await policy.UpdateAsync(failed, default);
        var after = await policy.SampleAsync(contexts, sampling, seed: 2, default);
        var (fresh, withStale) = await model.Thread.RunAsync(() => (SampleStudent(2, null), SampleStudent(2, stale)));

        Assert.True(stale.Length >= 8);
        for (var row = 0; row < contexts.Count; row++)
        {
            Assert.Equal(fresh[row].TokenIds, after[row].TokenIds);
            for (var t = 0; t < fresh[row].LogProbs.Count; t++) Assert.Equal(fresh[row].LogProbs[t], after[row].TokenLogProbs[t], 4);
        }
        // What the policy would have sampled had it kept the opening computed before the update.
        var staleGap = fresh.Zip(withStale).SelectMany(pair => pair.First.LogProbs.Zip(pair.Second.LogProbs, (a, b) => Math.Abs(a - b))).Max();
        Assert.True(staleGap > 1e-3, $"the update moved the stale opening's log-probs by only {staleGap:G3}");
    }

    [Theory]
    [InlineData("Q: which of abcdefgh")]
    [InlineData("Q: abc")] // shorter than the openings sampling keeps of itself
    [InlineData("Q: a")] // shorter than the openings scoring kept before
    public async Task WithABasePromptTheStudentSamplesAndScoresTheQuestionThroughTheBaseModel(string question)
    {
        var model = _toy.Model;
        var request = Request(DiscoveryMethod.Sdpo, teacher: TeacherKind.Frozen);
        request = request with { Sdpo = request.Sdpo! with { BasePrompt = true } };
        using var policy = await SdpoPolicy.CreateAsync(model, request, default);
        var contexts = Enumerable.Repeat(question, 8).ToList();
        var sampling = new AttemptSampling(MaxNewTokens: 4);
        var prompts = contexts.Select(c => model.EncodePrompt(c)).ToList();
        SamplingOptions Options(long seed) => new() { MaxNewTokens = 4, StopTokenIds = model.Tokenizer.StopTokenIds, Seed = seed };
        var generator = new TextGenerator(model.Model, model.Tokenizer);
        var scorer = new SequenceScorer(model.Model);
        using var baseOpening = new PromptOpeningCache();
        await model.Thread.RunAsync(() => scorer.KeepOpening(prompts[0], baseOpening)); // no adapter: the base model's
        IReadOnlyList<GeneratedSequence> SampleStudent(long seed, PromptOpeningCache? openings)
        {
            using var attachment = policy.Adapter!.Attach(model.Model);
            using var merged = policy.Adapter.MergeForInference();
            return generator.Generate(prompts, Options(seed), openings);
        }

        for (var step = 1; step <= 2; step++)
        {
            var attempts = await policy.SampleAsync(contexts, sampling, seed: step, default);
            var failed = attempts.Select(a => new TrainingAttempt(a, question, TeacherPrompt.Build(question, ToyLanguageModel.Feedback(Right)))).ToList();
            await policy.UpdateAsync(failed, default);
        }
        var after = await policy.SampleAsync(contexts, sampling, seed: 3, default);
        var (throughBase, throughStudent) = await model.Thread.RunAsync(() => (SampleStudent(3, baseOpening), SampleStudent(3, null)));

        for (var row = 0; row < contexts.Count; row++)
        {
            Assert.Equal(throughBase[row].TokenIds, after[row].TokenIds);
            for (var t = 0; t < throughBase[row].LogProbs.Count; t++) Assert.Equal(throughBase[row].LogProbs[t], after[row].TokenLogProbs[t], 4);
        }
        // Two updates moved the student's own reading of the question, which the policy does not use.
        var gap = throughBase.Zip(throughStudent).SelectMany(pair => pair.First.LogProbs.Zip(pair.Second.LogProbs, (a, b) => Math.Abs(a - b))).Max();
        Assert.True(gap > 1e-3, $"the student's own reading of the question moved the log-probs by only {gap:G3}");

        var scored = await policy.StudentLogProbsAsync(question, [Right.ToString()], default);
        var answer = model.Tokenizer.Encode(Right.ToString()).Append(model.Tokenizer.StopTokenIds[0]).ToList();
        var expected = await model.Thread.RunAsync(() =>
        {
            // The base model's opening of the question, read by the adapted student (its branch, not a merged copy).
            using var attachment = policy.Adapter!.Attach(model.Model);
            return scorer.Score([new ScoringPair(prompts[0], answer)], openings: baseOpening)[0].TotalLogProb;
        });
        Assert.Equal(expected, scored[0], 4);
    }

    [Fact]
    public async Task WithABasePromptAnUpdateDistilsIntoTheStudentThatReadsTheQuestionThroughTheBaseModel()
    {
        var model = _toy.Model;
        const string question = "Q: which of abcdefgh";
        var teacherContext = TeacherPrompt.Build(question, ToyLanguageModel.Feedback(Right));
        var request = Request(DiscoveryMethod.Sdpo, teacher: TeacherKind.Frozen);
        request = request with { Sdpo = request.Sdpo! with { BasePrompt = true, UpdatesPerBatch = 1 } }; // one loss to compare
        using var policy = await SdpoPolicy.CreateAsync(model, request, default);
        var contexts = Enumerable.Repeat(question, 8).ToList();
        var sampling = new AttemptSampling(MaxNewTokens: 4);
        for (var step = 1; step <= 3; step++)
        {
            var attempts = await policy.SampleAsync(contexts, sampling, seed: step, default);
            await policy.UpdateAsync(attempts.Select(a => new TrainingAttempt(a, question, teacherContext)).ToList(), default);
        }
        var next = (await policy.SampleAsync(contexts, sampling, seed: 4, default))[0];

        // The next update's loss from scratch: the student after three updates, reading the base model's keys and values
        // of the question (or, for contrast, its own), against the base model's log-probs after the feedback.
        var prompt = model.EncodePrompt(question);
        var continuation = next.StopTokenId is { } stop ? next.TokenIds.Append(stop).ToList() : next.TokenIds.ToList();
        var scorer = new SequenceScorer(model.Model);
        var (throughBase, throughStudent) = await model.Thread.RunAsync(() =>
        {
            using var noGrad = no_grad();
            using var teacher = scorer.ContinuationLogProbs([new ScoringPair(model.EncodePrompt(teacherContext), continuation)]);
            using var baseOpening = new PromptOpeningCache();
            using (scorer.ContinuationLogProbs([new ScoringPair(prompt, continuation)], baseOpening)) { } // no adapter yet
            using var attachment = policy.Adapter!.Attach(model.Model);
            double Loss(PromptOpeningCache? opening)
            {
                using var student = scorer.ContinuationLogProbs([new ScoringPair(prompt, continuation)], opening);
                return DistillationLoss.Compute(student.LogProbs, teacher.LogProbs, student.TargetIds, student.Mask, request.Sdpo!).Figures.Loss;
            }
            return (Loss(baseOpening), Loss(null));
        });
        var figures = await policy.UpdateAsync([new TrainingAttempt(next, question, teacherContext)], default);

        Assert.Equal(throughBase, figures.Loss, 4);
        Assert.True(Math.Abs(throughBase - throughStudent) > 1e-4, $"reading the question through the student moved the loss by only {Math.Abs(throughBase - throughStudent):G3}");
    }

    [Fact]
    public async Task SdpoWithLoraLayersAdaptsOnlyThoseLayersAndStillLearns()
    {
        var request = Request(DiscoveryMethod.Sdpo);
        await AssertSdpoRaisesTheRightAnswer(request with { Sdpo = request.Sdpo! with { LoraLayers = [0] } }, sdpo =>
        {
            Assert.NotEmpty(sdpo.Adapter!.ModulePaths);
            Assert.All(sdpo.Adapter.ModulePaths, path => Assert.Equal(0, LoraOptions.LayerIndex(path)));
        });
    }

    [Fact]
    public void LoraLayersAreLeftOutOfTheWireFormUntilSetAndRefusedWhenEmptyNegativeOrRepeated()
    {
        Assert.DoesNotContain("loraLayers", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"loraLayers\":[3,4,5]", SdpoDefaults.Serialize(new SdpoOptions { LoraLayers = [3, 4, 5] }));
        foreach (IReadOnlyList<int> invalid in new[] { Array.Empty<int>(), [-1], [2, 2] })
        {
            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new SdpoOptions { LoraLayers = invalid }.Validate());
            Assert.Equal(nameof(SdpoOptions.LoraLayers), refused.ParamName);
        }
    }

    [Fact]
    public async Task SdpoWithLoraModulesAdaptsOnlyThoseModulesAndStillLearns()
    {
        var request = Request(DiscoveryMethod.Sdpo);
        await AssertSdpoRaisesTheRightAnswer(request with { Sdpo = request.Sdpo! with { LoraModules = ["q_proj", "v_proj"] } }, sdpo =>
        {
            Assert.Equal(2 * _toy.Model.Model.Config.NumHiddenLayers, sdpo.Adapter!.ModulePaths.Count);
            Assert.All(sdpo.Adapter.ModulePaths, path => Assert.True(path.EndsWith(".q_proj") || path.EndsWith(".v_proj"), path));
        });
    }

    [Fact]
    public async Task LoraModulesTheModelLacksAreRefusedByName()
    {
        var request = Request(DiscoveryMethod.Sdpo);
        request = request with { Sdpo = request.Sdpo! with { LoraModules = ["q_proj", "qkv_proj"] } };
        var refused = await Assert.ThrowsAsync<AdapterException>(() => SdpoPolicy.CreateAsync(_toy.Model, request, default));
        Assert.StartsWith("sdpo.loraModules names qkv_proj, which this model does not have", refused.Message);
    }

    [Fact]
    public void LoraModulesAreLeftOutOfTheWireFormUntilSetAndRefusedWhenEmptyRepeatedOrAPath()
    {
        Assert.DoesNotContain("loraModules", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"loraModules\":[\"q_proj\",\"v_proj\"]", SdpoDefaults.Serialize(new SdpoOptions { LoraModules = ["q_proj", "v_proj"] }));
        foreach (IReadOnlyList<string> invalid in new[] { Array.Empty<string>(), ["q_proj", "q_proj"], ["model.layers.0.self_attn.q_proj"], [" "] })
        {
            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new SdpoOptions { LoraModules = invalid }.Validate());
            Assert.Equal(nameof(SdpoOptions.LoraModules), refused.ParamName);
        }
    }

    [Fact]
    public async Task SdpoStillLearnsWithABasePrompt()
    {
        var request = Request(DiscoveryMethod.Sdpo, teacher: TeacherKind.Frozen);
        request = request with { Sdpo = request.Sdpo! with { BasePrompt = true } };
        using var sdpo = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
        var before = await sdpo.StudentLogProbsAsync(ToyLanguageModel.Prompt, [Right.ToString()], default);
        Assert.Equal(RightAnswerLogProb(null), before[0], 4);
        var events = await Run(DiscoveryLoop.RunAsync(request, sdpo));
        Assert.Equal(4, events.OfType<StepCompleted>().Count(s => s.Loss is not null));
        var after = await sdpo.StudentLogProbsAsync(ToyLanguageModel.Prompt, [Right.ToString()], default);
        _output.WriteLine($"log p(right): before {before[0]:F3}, after {after[0]:F3}");
        Assert.True(after[0] - before[0] > 0.5, $"SDPO moved log p(right) by {after[0] - before[0]:F3}");
    }

    [Fact]
    public void BasePromptIsLeftOutOfTheWireFormUntilSetAndRefusedWithSamplingFromFeedback()
    {
        Assert.DoesNotContain("basePrompt", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"basePrompt\":true", SdpoDefaults.Serialize(new SdpoOptions { BasePrompt = true }));
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new SdpoOptions { BasePrompt = true, SampleWithFeedback = true }.Validate());
        Assert.Equal(nameof(SdpoOptions.BasePrompt), refused.ParamName);
    }

    [Fact]
    public async Task ASavedRunResumesToTheSameContinuation()
    {
        var request = Request(DiscoveryMethod.Sdpo, attempts: 32, seed: 9);
        using var reference = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
        var uninterrupted = (await Run(DiscoveryLoop.RunAsync(request, reference))).OfType<AttemptEvaluated>().Select(a => (a.Index, a.Text)).ToList();

        string directory = Path.Combine(Path.GetTempPath(), "sdpo-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var cts = new CancellationTokenSource();
            var firstHalf = new List<(int, string)>();
            using (var first = await SdpoPolicy.CreateAsync(_toy.Model, request, default))
            {
                await foreach (var e in DiscoveryLoop.RunAsync(request, first, directory, cts.Token))
                {
                    if (e is AttemptEvaluated a) firstHalf.Add((a.Index, a.Text));
                    if (e is StepCompleted { Step: 1 }) cts.Cancel();
                }
            }
            using var second = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
            var secondHalf = (await Run(DiscoveryLoop.RunAsync(request, second, directory))).OfType<AttemptEvaluated>().Select(a => (a.Index, a.Text));
            Assert.Equal(16, firstHalf.Count);
            Assert.Equal(uninterrupted, firstHalf.Concat(secondHalf).ToList());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TeacherAdvantageIsMeasuredFromTheSdpoTemplates()
    {
        var advantage = await TeacherAdvantage.MeasureAsync(_toy.Model, ToyLanguageModel.Prompt, ToyLanguageModel.Feedback(Right), Right.ToString());
        Assert.True(advantage.Nats > 1.0, advantage.ToString());
        Assert.Equal(advantage.TeacherLogProb - advantage.StudentLogProb, advantage.Nats, 9);
    }
}
