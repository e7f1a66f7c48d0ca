using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Tests.Discovery;

public class DiscoveryLoopTests
{
    /// <summary>Deterministic stand-in for the model: texts depend on the seed, the slot and how often it learned.</summary>
    private sealed class ScriptedPolicy : IDiscoveryPolicy
    {
        private readonly Func<long, int, int, string> _text;

        public ScriptedPolicy(Func<long, int, int, string>? text = null) =>
            _text = text ?? ((seed, slot, updates) => $"a{seed % 997}-{slot}-{updates}");

        public int Updates { get; private set; }
        public List<IReadOnlyList<TrainingAttempt>> UpdateBatches { get; } = new();
        public List<IReadOnlyList<string>> SampledContexts { get; } = new();
        public Action? OnSample { get; set; }
        public int MaxContextTokens { get; init; } = 10_000;

        public List<string> CountedContexts { get; } = new();

        public int CountContextTokens(string context)
        {
            CountedContexts.Add(context);
            return context.Length;
        }

        public Task<IReadOnlyList<SampledAttempt>> SampleAsync(IReadOnlyList<string> contexts, AttemptSampling sampling, long seed, CancellationToken cancellationToken)
        {
            OnSample?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            SampledContexts.Add(contexts);
            IReadOnlyList<SampledAttempt> attempts = contexts
                .Select((_, slot) => new SampledAttempt(_text(seed, slot, Updates), new[] { 1, 2, 3 }, new[] { -1f, -1f, -1f }))
                .ToList();
            return Task.FromResult(attempts);
        }

        public Task<UpdateFigures> UpdateAsync(IReadOnlyList<TrainingAttempt> attempts, CancellationToken cancellationToken)
        {
            Updates++;
            UpdateBatches.Add(attempts);
            return Task.FromResult(new UpdateFigures(0.5, 0.25, 0.1, 1.0, 1, 1));
        }

        /// <summary>Which saves (counted from 0) to refuse with an I/O error, as a full disk does.</summary>
        public Func<int, bool> RefusesSave { get; init; } = _ => false;
        private int _saves;

        public Task SaveAsync(string directory, CancellationToken cancellationToken)
        {
            if (RefusesSave(_saves++)) throw new IOException("No space left on device");
            Directory.CreateDirectory(directory);
            return File.WriteAllTextAsync(Path.Combine(directory, "updates.txt"), Updates.ToString(), cancellationToken);
        }

        public async Task LoadAsync(string directory, CancellationToken cancellationToken) =>
            Updates = int.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "updates.txt"), cancellationToken));

        public void Dispose() { }
    }

    private sealed class PassWhen : IVerifier
    {
        private readonly Func<string, bool> _passes;
        public PassWhen(Func<string, bool> passes) => _passes = passes;
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(_passes(attempt.Text) ? Verdict.Pass() : Verdict.Fail(VerdictStatus.Wrong, $"feedback for {attempt.Text}"));
    }

    private static DiscoveryRequest Request(IVerifier verifier, DiscoveryMethod method = DiscoveryMethod.Sdpo, int maxAttempts = 64, int perStep = 8, long seed = 1) =>
        new(new Problem("Q"), verifier, method, new DiscoveryBudget(maxAttempts, perStep), Seed: seed);

    /// <summary>Runs with state saved in <paramref name="directory"/>, cancelled while the third step samples (two steps saved).</summary>
    private static async Task<List<DiscoveryEvent>> RunCancelledAtThirdStep(DiscoveryRequest request, string directory)
    {
        using var cts = new CancellationTokenSource();
        var policy = new ScriptedPolicy();
        int samples = 0;
        policy.OnSample = () => { if (++samples == 3) cts.Cancel(); };
        return await Collect(DiscoveryLoop.RunAsync(request, policy, directory, cts.Token));
    }

    /// <summary>Runs with state saved in <paramref name="directory"/>, cancelled at the policy's fourth sampling call.</summary>
    private static async Task RunCancelledAtFourthDraw(DiscoveryRequest request, Func<long, int, int, string> text, string directory)
    {
        using var cts = new CancellationTokenSource();
        var policy = new ScriptedPolicy(text);
        int samples = 0;
        policy.OnSample = () => { if (++samples == 4) cts.Cancel(); };
        await Collect(DiscoveryLoop.RunAsync(request, policy, directory, cts.Token));
    }

    /// <summary>An event without its timings, which differ from run to run.</summary>
    private static object Content(DiscoveryEvent e) => e switch
    {
        AttemptEvaluated a => (a.Index, a.Step, a.Text, a.Verdict),
        StepCompleted step => (step.Step, step.AttemptsSoFar, step.TrainedAttempts),
        _ => e,
    };

    private static async Task<List<DiscoveryEvent>> Collect(IAsyncEnumerable<DiscoveryEvent> events)
    {
        var list = new List<DiscoveryEvent>();
        await foreach (var e in events) list.Add(e);
        return list;
    }

    [Fact]
    public async Task StopsAtTheFirstPassingAttempt()
    {
        var policy = new ScriptedPolicy((seed, slot, updates) => updates == 1 && slot >= 5 ? "right" : $"wrong{slot}");
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(t => t == "right")), policy));

        var attempts = events.OfType<AttemptEvaluated>().ToList();
        Assert.Equal(Enumerable.Range(0, 14), attempts.Select(a => a.Index)); // 8 in step 0, then 0..5 of step 1
        Assert.Equal(new Discovered(13, "right"), events[^1]);
        Assert.Single(events.OfType<StepCompleted>());
        Assert.True(attempts[^1].Verdict.Passed);
    }

    /// <summary>Records every text it is asked to verify; "slow" times out, everything else is wrong.</summary>
    private sealed class CountingVerifier : IVerifier
    {
        public List<string> Calls { get; } = new();
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
        {
            lock (Calls) Calls.Add(attempt.Text);
            return Task.FromResult(attempt.Text == "slow"
                ? Verdict.Fail(VerdictStatus.Timeout, "took too long")
                : Verdict.Fail(VerdictStatus.Wrong, $"feedback for {attempt.Text}"));
        }
    }

    [Fact]
    public async Task AnAnswerIsVerifiedOncePerRunUnlessItsVerdictMayNotRepeat()
    {
        // Each step of 8: "slow" twice, then x2 x0 x1 x2 x0 x1.
        string Text(int slot) => slot < 2 ? "slow" : $"x{slot % 3}";
        var verifier = new CountingVerifier();
        var events = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 16), new ScriptedPolicy((_, slot, _) => Text(slot))));

        Assert.Equal(["x0", "x1", "x2"], verifier.Calls.Where(text => text != "slow").Order(StringComparer.Ordinal));
        Assert.Equal(4, verifier.Calls.Count(text => text == "slow")); // a timeout is verified again at every copy
        var attempts = events.OfType<AttemptEvaluated>().ToList();
        Assert.Equal(16, attempts.Count);
        var reused = attempts.Where(a => a.VerdictReused).ToList();
        Assert.Equal(9, reused.Count);
        Assert.All(reused, a =>
        {
            Assert.Equal(attempts.First(first => first.Text == a.Text).Verdict, a.Verdict);
            Assert.True(a.Index > attempts.First(first => first.Text == a.Text).Index);
            Assert.Equal(0, a.Timings.VerifyingMs);
        });
        Assert.DoesNotContain(attempts, a => a.VerdictReused && a.Text == "slow");
        // The wire form names the flag only where it is set.
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Contains("\"verdictReused\":true", JsonSerializer.Serialize(reused[0], web));
        Assert.DoesNotContain("verdictReused", JsonSerializer.Serialize(attempts[0], web));

        var everyTime = new CountingVerifier();
        var plain = await Collect(DiscoveryLoop.RunAsync(Request(everyTime, maxAttempts: 16) with { ReuseVerdicts = false },
            new ScriptedPolicy((_, slot, _) => Text(slot))));
        Assert.Equal(16, everyTime.Calls.Count);
        Assert.DoesNotContain(plain.OfType<AttemptEvaluated>(), a => a.VerdictReused);
    }

    [Fact]
    public async Task ARunWhoseVerifierFailsOnEightAttemptsInARowFailsInsteadOfSpendingItsBudget()
    {
        // Steps of 4: the verifier can judge nothing from attempt 3 on; attempts 0 to 2 are wrong.
        var broken = new DelegateVerifier(a => a.Index < 3
            ? Verdict.Fail(VerdictStatus.Wrong, "no")
            : Verdict.Fail(VerdictStatus.VerifierError, "The webhook answered 502."));
        var events = await Collect(DiscoveryLoop.RunAsync(Request(broken, DiscoveryMethod.BestOfK, maxAttempts: 64, perStep: 4) with { ReuseVerdicts = false },
            new ScriptedPolicy((_, slot, _) => $"x{slot}")));
        Assert.Equal(12, events.OfType<AttemptEvaluated>().Count()); // 3 wrong, then 8 verifier errors end step 2 at 11
        var failed = Assert.IsType<Failed>(events[^1]);
        Assert.Contains("failed on the last 9 attempts", failed.Reason);
        Assert.Contains("The webhook answered 502.", failed.Reason);

        // Errors broken up by verdicts never add up to eight in a row: the run goes on to its budget.
        var flaky = new DelegateVerifier(a => Verdict.Fail(a.Index % 4 == 0 ? VerdictStatus.Wrong : VerdictStatus.VerifierError, "flaky"));
        var spent = await Collect(DiscoveryLoop.RunAsync(Request(flaky, DiscoveryMethod.BestOfK, maxAttempts: 32, perStep: 4) with { ReuseVerdicts = false },
            new ScriptedPolicy((_, slot, _) => $"x{slot}")));
        Assert.IsType<Exhausted>(spent[^1]);
    }

    [Fact]
    public async Task AnAttemptsVerifyingTimeIsTheVerifiersOwnMeasureWhereItGivesOne()
    {
        // The call takes 150 ms, of which the verifier says it worked 7 (the rest a wait for a slot); a verifier
        // that says nothing is timed around its call.
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new WaitingVerifier(TimeSpan.FromMilliseconds(7)), maxAttempts: 2),
            new ScriptedPolicy((_, slot, _) => $"x{slot}")));
        Assert.All(events.OfType<AttemptEvaluated>(), a => Assert.Equal(7, a.Timings.VerifyingMs, precision: 6));

        var untimed = await Collect(DiscoveryLoop.RunAsync(Request(new WaitingVerifier(TimeSpan.Zero), maxAttempts: 2),
            new ScriptedPolicy((_, slot, _) => $"x{slot}")));
        Assert.All(untimed.OfType<AttemptEvaluated>(), a => Assert.True(a.Timings.VerifyingMs >= 140, $"{a.Timings.VerifyingMs} ms"));
    }

    /// <summary>Waits 150 ms, then fails the attempt, reporting <paramref name="reported"/> as its duration.</summary>
    private sealed class WaitingVerifier(TimeSpan reported) : IVerifier
    {
        public string Kind => "test";
        public async Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
        {
            await Task.Delay(150, cancellationToken);
            return Verdict.Fail(VerdictStatus.Wrong, "no") with { Duration = reported };
        }
    }

    [Fact]
    public async Task MaxDistilledAttemptsKeepsTheMostFrequentMistakesWithAllTheirCopies()
    {
        string Text(int slot) => slot switch { 1 or 3 or 5 => "often", 2 or 6 => "twice", _ => $"once{slot}" };
        var verifier = new PassWhen(_ => false);
        var capped = new ScriptedPolicy((_, slot, _) => Text(slot));
        var request = Request(verifier, maxAttempts: 8) with { Sdpo = new SdpoOptions { MaxDistilledAttempts = 3 } };
        var events = await Collect(DiscoveryLoop.RunAsync(request, capped));

        // often ×3, twice ×2, then the first of the singles (slot 0); sampling order kept.
        Assert.Equal(["once0", "often", "twice", "often", "often", "twice"], capped.UpdateBatches.Single().Select(t => t.Attempt.Text));
        Assert.Equal(6, events.OfType<StepCompleted>().Single().TrainedAttempts);
        // Only the chosen attempts' teacher contexts are built (tokenized to fit), each distinct feedback once.
        Assert.Equal(["feedback for often", "feedback for once0", "feedback for twice"],
            capped.CountedContexts.Where(c => c.Contains("feedback for")).Select(c => c.Split('\n').Single(line => line.StartsWith("feedback for")))
                .Order(StringComparer.Ordinal));

        var all = new ScriptedPolicy((_, slot, _) => Text(slot));
        await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 8), all));
        Assert.Equal(8, all.UpdateBatches.Single().Count);
    }

    [Fact]
    public async Task StopsAtTheBudgetWithAShorterLastStep()
    {
        var policy = new ScriptedPolicy();
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 20), policy));
        Assert.Equal(new[] { 8, 16, 20 }, events.OfType<StepCompleted>().Select(s => s.AttemptsSoFar));
        Assert.Equal(new Exhausted(20), events[^1]);
        Assert.Equal(20, events.OfType<AttemptEvaluated>().Count());
    }

    [Fact]
    public async Task SdpoLearnsOnlyFromFailedAttemptsWithFeedbackAndBaselinesNeverUpdate()
    {
        var verifier = new PassWhen(_ => false);
        var sdpo = new ScriptedPolicy();
        var sdpoEvents = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 16), sdpo));
        Assert.Equal(2, sdpo.Updates);
        var first = sdpo.UpdateBatches[0];
        Assert.Equal(8, first.Count);
        Assert.All(first, t => Assert.Contains($"feedback for {t.Attempt.Text}", t.TeacherContext));
        Assert.All(first, t => Assert.DoesNotContain($"\n{t.Attempt.Text}\n", t.TeacherContext.Replace($"feedback for {t.Attempt.Text}", "")));
        Assert.All(sdpoEvents.OfType<StepCompleted>(), s => Assert.Equal(0.5, s.Loss));

        var silent = new ScriptedPolicy();
        var silentVerifier = new DelegateVerifier(_ => Verdict.Fail(VerdictStatus.Wrong, ""));
        await Collect(DiscoveryLoop.RunAsync(Request(silentVerifier, maxAttempts: 8), silent));
        Assert.Equal(0, silent.Updates); // no feedback, no solution: no loss

        var bestOfK = new ScriptedPolicy();
        var bokEvents = await Collect(DiscoveryLoop.RunAsync(Request(verifier, DiscoveryMethod.BestOfK, maxAttempts: 16), bestOfK));
        Assert.Equal(0, bestOfK.Updates);
        Assert.All(bokEvents.OfType<StepCompleted>(), s => Assert.Null(s.Loss));
    }

    [Fact]
    public async Task MultiTurnChainsCarryTheirOwnEarlierFeedback()
    {
        var policy = new ScriptedPolicy();
        await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), DiscoveryMethod.MultiTurn, maxAttempts: 12, perStep: 4), policy));
        Assert.All(policy.SampledContexts[0], c => Assert.Equal("Q", c));
        var second = policy.SampledContexts[1];
        for (int chain = 0; chain < 4; chain++)
        {
            Assert.StartsWith("Q\n\nfeedback for ", second[chain]);
            Assert.Contains($"-{chain}-0", second[chain]);
            Assert.EndsWith("Correctly solve the original question.\n", second[chain]);
        }
        Assert.Equal(2, policy.SampledContexts[2][1].Split("feedback for").Length - 1);
    }

    [Fact]
    public async Task SelfTeacherChainsSampleFromTheTeacherContextOfTheirOwnLatestFeedback()
    {
        var policy = new ScriptedPolicy();
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), DiscoveryMethod.SelfTeacher, maxAttempts: 12, perStep: 4), policy));
        Assert.IsType<Exhausted>(events[^1]);
        Assert.Equal(0, policy.Updates);
        Assert.All(policy.SampledContexts[0], c => Assert.Equal("Q", c));
        var attempts = events.OfType<AttemptEvaluated>().ToList();
        for (int step = 1; step < 3; step++)
            for (int chain = 0; chain < 4; chain++)
            {
                var previous = attempts.Single(a => a.Step == step - 1 && a.Index % 4 == chain);
                Assert.Equal(TeacherPrompt.Build("Q", previous.Verdict.Feedback), policy.SampledContexts[step][chain]);
            }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SdpoSamplingWithFeedbackDrawsFromTheChainsTeacherContextsAndStillDistilsIntoThePlainQuestion(bool withFeedback)
    {
        var policy = new ScriptedPolicy();
        var request = Request(new PassWhen(_ => false), DiscoveryMethod.Sdpo, maxAttempts: 12, perStep: 4) with
        {
            Budget = new DiscoveryBudget(12, 4, Chains: 2),
            Sdpo = new SdpoOptions { SampleWithFeedback = withFeedback },
        };
        var events = await Collect(DiscoveryLoop.RunAsync(request, policy));
        Assert.IsType<Exhausted>(events[^1]);
        Assert.Equal(3, policy.Updates);
        var attempts = events.OfType<AttemptEvaluated>().ToList();
        Assert.All(policy.SampledContexts[0], c => Assert.Equal("Q", c));
        for (int step = 1; step < 3; step++)
            for (int slot = 0; slot < 4; slot++)
            {
                var chainsLatest = attempts.Single(a => a.Step == step - 1 && a.Index % 4 == slot % 2);
                Assert.Equal(withFeedback ? TeacherPrompt.Build("Q", chainsLatest.Verdict.Feedback) : "Q", policy.SampledContexts[step][slot]);
            }
        for (int step = 0; step < 3; step++)
        {
            var batch = policy.UpdateBatches[step];
            Assert.Equal(4, batch.Count);
            Assert.All(batch, attempt => Assert.Equal("Q", attempt.StudentContext));
            var own = attempts.Where(a => a.Step == step).ToList();
            Assert.Equal(own.Select(a => TeacherPrompt.Build("Q", a.Verdict.Feedback)), batch.Select(a => a.TeacherContext));
        }
    }

    [Fact]
    public void SamplingWithFeedbackIsLeftOutOfTheWireFormWhenOff()
    {
        Assert.DoesNotContain("sampleWithFeedback", SdpoDefaults.Serialize(new SdpoOptions()));
        Assert.Contains("\"sampleWithFeedback\":true", SdpoDefaults.Serialize(new SdpoOptions { SampleWithFeedback = true }));
    }

    [Theory]
    [InlineData(DiscoveryMethod.SelfTeacher)]
    [InlineData(DiscoveryMethod.MultiTurn)]
    public async Task FewerChainsThanAttemptsDrawSeveralAttemptsFromEachChainsContext(DiscoveryMethod method)
    {
        var policy = new ScriptedPolicy();
        var request = Request(new PassWhen(_ => false), method, maxAttempts: 18, perStep: 6) with { Budget = new DiscoveryBudget(18, 6, Chains: 2) };
        var events = await Collect(DiscoveryLoop.RunAsync(request, policy));
        var attempts = events.OfType<AttemptEvaluated>().ToList();
        for (int step = 1; step < 3; step++)
        {
            var contexts = policy.SampledContexts[step];
            Assert.Equal(6, contexts.Count);
            Assert.NotEqual(contexts[0], contexts[1]);
            for (int slot = 0; slot < 6; slot++)
            {
                // Attempt i belongs to chain i mod 2, which carries on from its first attempt of the step before.
                Assert.Equal(contexts[slot % 2], contexts[slot]);
                var previous = attempts.Single(a => a.Step == step - 1 && a.Index % 6 == slot % 2);
                Assert.Contains(previous.Verdict.Feedback, contexts[slot]);
            }
        }
        if (method == DiscoveryMethod.MultiTurn) Assert.Equal(2, policy.SampledContexts[2][1].Split("feedback for").Length - 1);
    }

    [Fact]
    public async Task RunsOfDifferentProblemsWithOneSeedDrawDifferentStreamsAndMethodsOnOneProblemShareThem()
    {
        async Task<List<string>> FirstStep(string prompt, DiscoveryMethod method)
        {
            var request = new DiscoveryRequest(new Problem(prompt), new PassWhen(_ => false), method, new DiscoveryBudget(4, 4), Seed: 7);
            var events = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy()));
            return events.OfType<AttemptEvaluated>().Select(a => a.Text).ToList();
        }

        var question = await FirstStep("Q", DiscoveryMethod.BestOfK);
        Assert.Equal(question, await FirstStep("Q", DiscoveryMethod.BestOfK));
        Assert.Equal(question, await FirstStep("Q", DiscoveryMethod.SelfTeacher)); // common random numbers across methods
        Assert.NotEqual(question, await FirstStep("R", DiscoveryMethod.BestOfK));
    }

    [Fact]
    public async Task AChainCarriesOnFromItsFirstAttemptThatHasFeedback()
    {
        var policy = new ScriptedPolicy();
        // Attempt slots 0 and 1 (the first of each chain) fail without a word; the rest say what was wrong.
        var verifier = new DelegateVerifier(a => Verdict.Fail(VerdictStatus.Wrong, a.Text.EndsWith("-0-0") || a.Text.EndsWith("-1-0") ? "" : $"feedback for {a.Text}"));
        var request = Request(verifier, DiscoveryMethod.SelfTeacher, maxAttempts: 12, perStep: 6) with { Budget = new DiscoveryBudget(12, 6, Chains: 2) };
        var events = await Collect(DiscoveryLoop.RunAsync(request, policy));
        var first = events.OfType<AttemptEvaluated>().Where(a => a.Step == 0).ToList();
        Assert.Equal(TeacherPrompt.Build("Q", first[2].Verdict.Feedback), policy.SampledContexts[1][0]);
        Assert.Equal(TeacherPrompt.Build("Q", first[3].Verdict.Feedback), policy.SampledContexts[1][1]);
    }

    [Fact]
    public async Task SelfTeacherSamplesThePlainPromptAfterAFailureWithoutFeedback()
    {
        var policy = new ScriptedPolicy();
        var silent = new DelegateVerifier(_ => Verdict.Fail(VerdictStatus.Wrong, ""));
        await Collect(DiscoveryLoop.RunAsync(Request(silent, DiscoveryMethod.SelfTeacher, maxAttempts: 8, perStep: 4), policy));
        Assert.All(policy.SampledContexts.SelectMany(c => c), c => Assert.Equal("Q", c));
    }

    [Fact]
    public async Task SelfTeacherFallsBackToThePromptWhenNoTeacherContextFits()
    {
        // Room for the prompt and an attempt, but not for the instruction the teacher context adds.
        var policy = new ScriptedPolicy { MaxContextTokens = 64 + 1 + 10 };
        await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), DiscoveryMethod.SelfTeacher, maxAttempts: 8, perStep: 4), policy));
        Assert.All(policy.SampledContexts.SelectMany(c => c), c => Assert.Equal("Q", c));
    }

    [Fact]
    public async Task SdpoLearnsNothingFromAFailureWhoseTeacherContextCannotFitAndRunsOn()
    {
        // Room for the prompt and an attempt, but not for the instruction the teacher context adds.
        var policy = new ScriptedPolicy { MaxContextTokens = 64 + 1 + 10 };
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 16, perStep: 4), policy));
        Assert.IsType<Exhausted>(events[^1]);
        Assert.Empty(policy.UpdateBatches);
        Assert.All(events.OfType<StepCompleted>(), step => Assert.Equal(0, step.TrainedAttempts));

        // With room, the same run distils every failure.
        var roomy = new ScriptedPolicy();
        await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 16, perStep: 4), roomy));
        Assert.Equal(4, roomy.UpdateBatches.Count);
    }

    /// <summary>A model context where a teacher context fits beside the scripted 3-token attempts but not beside
    /// maxNewTokens (64): the shortest teacher context of "Q" takes more than 150 - 64 - 1 = 85 tokens.</summary>
    private const int TightContext = 150;

    [Fact]
    public async Task SdpoLeavesRoomForTheSampledAttemptsOwnTokensNotForMaxNewTokens()
    {
        var policy = new ScriptedPolicy { MaxContextTokens = TightContext };
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 16, perStep: 4), policy));
        Assert.IsType<Exhausted>(events[^1]);
        Assert.All(events.OfType<StepCompleted>(), step => Assert.Equal(4, step.TrainedAttempts));
        Assert.Equal(4, policy.UpdateBatches.Count);
        Assert.All(policy.UpdateBatches.SelectMany(b => b), t =>
        {
            Assert.Contains("feedback for", t.TeacherContext);
            Assert.True(t.TeacherContext.Length + t.Attempt.TokenIds.Count + 1 <= TightContext, $"{t.TeacherContext.Length}");
        });
    }

    [Fact]
    public async Task SelfTeacherSamplesFromItsFeedbackWhereOnlyAnAttemptAsLongAsTheOneThatDrewItFits()
    {
        var policy = new ScriptedPolicy { MaxContextTokens = TightContext };
        await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), DiscoveryMethod.SelfTeacher, maxAttempts: 12, perStep: 4), policy));
        Assert.All(policy.SampledContexts[0], c => Assert.Equal("Q", c));
        Assert.All(policy.SampledContexts.Skip(1).SelectMany(c => c), c =>
        {
            Assert.Contains("feedback for", c);
            Assert.True(c.Length + 3 + 1 <= TightContext, $"{c.Length}");
        });
    }

    [Theory]
    [InlineData(DiscoveryMethod.MultiTurn)]
    [InlineData(DiscoveryMethod.SelfTeacher)]
    public async Task ChainsResumeWithTheirFeedback(DiscoveryMethod method)
    {
        var request = Request(new PassWhen(_ => false), method, maxAttempts: 24, perStep: 4);
        var uninterrupted = new ScriptedPolicy();
        await Collect(DiscoveryLoop.RunAsync(request, uninterrupted));

        string directory = Path.Combine(Path.GetTempPath(), "sdpo-chains-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtThirdStep(request, directory);

            var resumed = new ScriptedPolicy();
            await Collect(DiscoveryLoop.RunAsync(request, resumed, directory));
            Assert.Contains(resumed.SampledContexts[0], c => c.Contains("feedback for"));
            Assert.Equal(uninterrupted.SampledContexts.Skip(2), resumed.SampledContexts);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StatesSavedBeforeChainsExistedStillResumeAndADifferentChainCountDoesNot()
    {
        var request = Request(new PassWhen(_ => false), DiscoveryMethod.SelfTeacher, maxAttempts: 24, perStep: 4);
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-chains-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtThirdStep(request, directory);
            // The budget as earlier versions wrote it into the state's fingerprint, with no chains in it.
            var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "loop.json"))).RootElement;
            Assert.Contains("\"Budget\":{\"MaxAttempts\":24,\"AttemptsPerStep\":4}", saved.GetProperty("Fingerprint").GetString());

            var withChains = request with { Budget = new DiscoveryBudget(24, 4, Chains: 2) };
            var refused = await Collect(DiscoveryLoop.RunAsync(withChains, new ScriptedPolicy(), directory));
            Assert.Contains("different request", Assert.IsType<Failed>(Assert.Single(refused)).Reason);

            var resumed = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            Assert.Equal(8, resumed.OfType<AttemptEvaluated>().First().Index);
            Assert.IsType<Exhausted>(resumed[^1]);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ContextsLeaveRoomForTheAttemptAsFeedbackPilesUp()
    {
        var policy = new ScriptedPolicy { MaxContextTokens = 200 };
        var request = Request(new PassWhen(_ => false), DiscoveryMethod.MultiTurn, maxAttempts: 40, perStep: 4);
        var events = await Collect(DiscoveryLoop.RunAsync(request, policy));
        Assert.IsType<Exhausted>(events[^1]);
        int room = 200 - request.EffectiveSampling.MaxNewTokens - 1;
        Assert.All(policy.SampledContexts.SelectMany(c => c), c => Assert.True(c.Length <= room, $"{c.Length} > {room}"));
        Assert.Contains(policy.SampledContexts[^1], c => c.Contains("feedback for"));

        var sdpo = new ScriptedPolicy { MaxContextTokens = 200 };
        await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 8), sdpo));
        Assert.All(sdpo.UpdateBatches.SelectMany(b => b), t => Assert.True(t.TeacherContext.Length <= room));
    }

    [Fact]
    public async Task SameSeedGivesTheSameEventsAndAnotherSeedDoesNot()
    {
        var verifier = new PassWhen(_ => false);
        static IEnumerable<string> Texts(List<DiscoveryEvent> events) => events.OfType<AttemptEvaluated>().Select(a => a.Text);
        var a = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 24, seed: 7), new ScriptedPolicy()));
        var b = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 24, seed: 7), new ScriptedPolicy()));
        var c = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 24, seed: 8), new ScriptedPolicy()));
        Assert.Equal(Texts(a), Texts(b));
        Assert.NotEqual(Texts(a), Texts(c));
    }

    [Fact]
    public async Task CancellationEndsTheRunWithinOneStep()
    {
        using var cts = new CancellationTokenSource();
        var policy = new ScriptedPolicy();
        int samples = 0;
        policy.OnSample = () => { if (++samples == 2) cts.Cancel(); };
        var events = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false)), policy, cancellationToken: cts.Token));
        Assert.Equal(new Cancelled(8), events[^1]);
        Assert.Equal(8, events.OfType<AttemptEvaluated>().Count());
    }

    [Fact]
    public async Task VerifierExceptionsBecomeVerifierErrorVerdicts()
    {
        var verifier = new DelegateVerifier(_ => throw new InvalidOperationException("boom"));
        var events = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 8), new ScriptedPolicy()));
        Assert.All(events.OfType<AttemptEvaluated>(), a =>
        {
            Assert.Equal(VerdictStatus.VerifierError, a.Verdict.Status);
            Assert.Contains("boom", a.Verdict.Feedback);
        });
        // Eight attempts the verifier could not judge end the run as failed, saying why.
        Assert.Contains("boom", Assert.IsType<Failed>(events[^1]).Reason);
    }

    [Fact]
    public async Task ASavedStateResumesToTheSameContinuation()
    {
        var verifier = new PassWhen(_ => false);
        var request = Request(verifier, maxAttempts: 40);
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy()));

        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            var before = await RunCancelledAtThirdStep(request, directory);
            Assert.IsType<Cancelled>(before[^1]);

            var after = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            var combined = before.OfType<AttemptEvaluated>().Concat(after.OfType<AttemptEvaluated>())
                .GroupBy(a => a.Index).Select(g => g.First()).ToList();
            static object Content(AttemptEvaluated a) => (a.Index, a.Step, a.Text, a.Verdict);
            Assert.Equal(uninterrupted.OfType<AttemptEvaluated>().Select(Content), combined.Select(Content));
            Assert.Equal(uninterrupted[^1], after[^1]);

            // A different request must not silently pick up this state.
            var other = await Collect(DiscoveryLoop.RunAsync(Request(verifier, maxAttempts: 40, seed: 99), new ScriptedPolicy(), directory));
            Assert.IsType<Failed>(Assert.Single(other));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task DiscardingTheResumeStateOfAnEndedRunLeavesOnlyItsAdapter()
    {
        var request = Request(new PassWhen(_ => false), maxAttempts: 40);
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtThirdStep(request, directory);
            Directory.CreateDirectory(Path.Combine(directory, "policy-2.saving-0123")); // a save cut off mid-way
            File.WriteAllText(Path.Combine(directory, "loop.json.tmp"), "{}");
            Directory.CreateDirectory(Path.Combine(directory, LocalDiscoveryEngine.AdapterFolder));
            Directory.CreateDirectory(Path.Combine(directory, LocalDiscoveryEngine.AdapterFolder + ".saving-4567")); // an export cut off mid-way

            DiscoveryLoop.DiscardResumeState(directory);
            Assert.Equal([LocalDiscoveryEngine.AdapterFolder], Directory.GetFileSystemEntries(directory).Select(Path.GetFileName));
            DiscoveryLoop.DiscardResumeState(Path.Combine(directory, "missing")); // nothing to discard
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ASaveCutOffBeforeItsCommitResumesFromTheLastCommittedStep()
    {
        var request = Request(new PassWhen(_ => false), maxAttempts: 40);
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy()));

        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            var before = await RunCancelledAtThirdStep(request, directory);
            // The third step's policy state is written, but the loop file that would commit it cannot be: as a crash there.
            string blocker = Path.Combine(directory, "loop.json.tmp");
            Directory.CreateDirectory(blocker);
            var cutOff = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            Assert.StartsWith("Could not save the run's state", Assert.IsType<Failed>(cutOff[^1]).Reason);
            Directory.Delete(blocker);

            var after = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            static object Content(AttemptEvaluated a) => (a.Index, a.Step, a.Text, a.Verdict);
            var expected = uninterrupted.OfType<AttemptEvaluated>().Where(a => a.Step >= 2).Select(Content);
            Assert.Equal(expected, after.OfType<AttemptEvaluated>().Select(Content));
            Assert.Equal(uninterrupted[^1], after[^1]);
            // One committed policy state is kept; the uncommitted one is gone.
            Assert.Single(Directory.GetDirectories(directory));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ADiskThatRefusesTheStateForAWhilePausesTheRunInsteadOfFailingIt()
    {
        var request = Request(new PassWhen(_ => false), maxAttempts: 40);
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy()));
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The second step's save is refused three times, then taken.
            var events = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy { RefusesSave = save => save is >= 1 and <= 3 }, directory));
            Assert.Equal(uninterrupted.Select(Content), events.Select(Content));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ARunWaitingForItsDiskStopsAsCancelledAndResumesFromItsLastSavedStep()
    {
        var request = Request(new PassWhen(_ => false), maxAttempts: 40);
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy()));
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Two steps saved, then the disk refuses every save until the run is cancelled.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var waiting = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy { RefusesSave = save => save >= 2 }, directory, cts.Token));
            Assert.IsType<Cancelled>(waiting[^1]);
            Assert.DoesNotContain(waiting, e => e is Failed);
            Assert.Equal(3, waiting.Count(e => e is StepCompleted)); // the third step ran; its save was never taken

            var resumed = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            Assert.Equal(uninterrupted.Where(e => e is not AttemptEvaluated { Step: < 2 } and not StepCompleted { Step: < 2 }).Select(Content),
                resumed.Select(Content));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ASavedLoopStateWithoutItsPolicyStateFailsInsteadOfStartingAFreshAdapter()
    {
        var request = Request(new PassWhen(_ => false), maxAttempts: 40);
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-loop-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtThirdStep(request, directory);
            foreach (var folder in Directory.GetDirectories(directory)) Directory.Delete(folder, recursive: true);

            var events = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(), directory));
            var failed = Assert.IsType<Failed>(Assert.Single(events));
            Assert.Contains("missing", failed.Reason);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static DiscoveryRequest Distinct(DiscoveryRequest request) =>
        request with { Sampling = new AttemptSampling(DistinctAttempts: true) };

    /// <summary>Slots 0 and 1 always draw "common"; the others draw texts of their own seed, new at every draw.</summary>
    private static string CommonOrFresh(long seed, int slot, int updates) => slot < 2 ? "common" : $"r{seed % 100_003}-{slot}";

    [Fact]
    public async Task DistinctAttemptsDrawAgainAnswersThatFailedOrRepeatAndSdpoStillLearnsFromThem()
    {
        var verifier = new CountingVerifier();
        var policy = new ScriptedPolicy(CommonOrFresh);
        var request = Distinct(Request(verifier, maxAttempts: 16, perStep: 4)) with { Sdpo = new SdpoOptions { MaxDistilledAttempts = 1 } };
        var events = await Collect(DiscoveryLoop.RunAsync(request, policy));

        var attempts = events.OfType<AttemptEvaluated>().ToList();
        Assert.Equal(16, attempts.Count);
        Assert.Equal(16, attempts.Select(a => a.Text).Distinct().Count());
        Assert.Equal(1, attempts.Count(a => a.Text == "common"));
        Assert.Equal(16, verifier.Calls.Count);
        Assert.DoesNotContain(attempts, a => a.VerdictReused);
        // Step 0 draws the second "common" again; later steps both copies, which are not attempts.
        Assert.Equal([1, 2, 2, 2], events.OfType<StepCompleted>().Select(s => s.Redrawn));
        // A step's draw carries spare rows for the repeats of the step before, as many as repeats / fresh share; a round of
        // drawing again takes a step's worth. Step 0: 4, then a round for its one repeat; step 1: 4 + 2 spare (1 × 4 / 3),
        // which replace both copies; steps 2 and 3: 4 + 4 (2 × 4 / 2), and no round.
        Assert.Equal([4, 4, 6, 8, 8], policy.SampledContexts.Select(c => c.Count));
        // The copies drawn away are still the policy's most frequent mistake, with known feedback: SDPO distils them.
        Assert.All(policy.UpdateBatches.Skip(1), batch =>
        {
            Assert.Equal(["common", "common"], batch.Select(t => t.Attempt.Text));
            Assert.Contains("feedback for common", batch[0].TeacherContext);
        });

        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Contains("\"redrawn\":2", JsonSerializer.Serialize(events.OfType<StepCompleted>().Last(), web));
        var plain = await Collect(DiscoveryLoop.RunAsync(Request(new PassWhen(_ => false), maxAttempts: 16, perStep: 4), new ScriptedPolicy(CommonOrFresh)));
        Assert.Equal(8, plain.OfType<AttemptEvaluated>().Count(a => a.Text == "common"));
        Assert.DoesNotContain("redrawn", JsonSerializer.Serialize(plain.OfType<StepCompleted>().Last(), web));
    }

    [Fact]
    public async Task DistinctAttemptsKeepARepeatWhenNoNewAnswerComesAndFindAPassOnlyASpareRowDraws()
    {
        var stuck = await Collect(DiscoveryLoop.RunAsync(Distinct(Request(new PassWhen(_ => false), maxAttempts: 8, perStep: 4)),
            new ScriptedPolicy((_, _, _) => "same")));
        Assert.Equal(8, stuck.OfType<AttemptEvaluated>().Count(a => a.Text == "same"));
        Assert.All(stuck.OfType<StepCompleted>(), s => Assert.Equal(0, s.Redrawn));
        Assert.IsType<Exhausted>(stuck[^1]);

        // One attempt a step, and the step's own row always draws "common": only a spare row (slot 1, carried once a step
        // has had a repeat) reaches "right". Step 1's repeat finds nothing new in its rounds and stays; step 2 passes.
        string Text(long seed, int slot, int updates) => slot == 0 ? "common" : $"right{seed % 7}";
        static DiscoveryRequest OneAStep() => Request(new PassWhen(t => t.StartsWith("right")), maxAttempts: 8, perStep: 1);
        var events = await Collect(DiscoveryLoop.RunAsync(Distinct(OneAStep()), new ScriptedPolicy(Text)));
        Assert.IsType<Discovered>(events[^1]);
        Assert.StartsWith("right", ((Discovered)events[^1]).Text);
        Assert.Equal(2, ((Discovered)events[^1]).AttemptIndex);
        var plain = await Collect(DiscoveryLoop.RunAsync(OneAStep(), new ScriptedPolicy(Text)));
        Assert.IsType<Exhausted>(plain[^1]);
    }

    [Fact]
    public async Task DistinctAttemptsResumeToTheSameContinuationAndOnlyThenEnterTheFingerprint()
    {
        var request = Distinct(Request(new PassWhen(_ => false), maxAttempts: 40, perStep: 4));
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(CommonOrFresh)));
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-distinct-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtFourthDraw(request, CommonOrFresh, directory); // the third step's draw (see the test above)
            string fingerprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "loop.json"))).RootElement.GetProperty("Fingerprint").GetString()!;
            Assert.Contains("\"DistinctAttempts\":true", fingerprint);
            Assert.DoesNotContain("DistinctEquivalence", fingerprint); // as states saved before that option existed

            var after = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(CommonOrFresh), directory));
            Assert.Equal(8, after.OfType<AttemptEvaluated>().First().Index);
            static object Content(AttemptEvaluated a) => (a.Index, a.Step, a.Text);
            Assert.Equal(uninterrupted.OfType<AttemptEvaluated>().Skip(8).Select(Content), after.OfType<AttemptEvaluated>().Select(Content));
            Assert.DoesNotContain(after.OfType<AttemptEvaluated>(), a => a.Text == "common");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }

        // Without the option the fingerprint is what states saved before it existed hold.
        string plainDirectory = Path.Combine(Path.GetTempPath(), "sdpo-distinct-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtThirdStep(Request(new PassWhen(_ => false), maxAttempts: 40), plainDirectory);
            string fingerprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(plainDirectory, "loop.json"))).RootElement.GetProperty("Fingerprint").GetString()!;
            Assert.Contains("\"Sampling\":{\"Temperature\":1,\"TopP\":1,\"MaxNewTokens\":64,\"Constrained\":false}", fingerprint);
        }
        finally
        {
            if (Directory.Exists(plainDirectory)) Directory.Delete(plainDirectory, recursive: true);
        }
    }

    /// <summary>Every answer fails; "x#n" and "x#m" are equivalent (the key is what comes before '#').</summary>
    private sealed class PrefixEquivalence : IEquivalenceVerifier
    {
        public List<string> Calls { get; } = new();
        public string Kind => "test";
        public string? EquivalenceKey(string answer) => answer.IndexOf('#') is var cut and >= 0 ? answer[..cut] : null;
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
        {
            lock (Calls) Calls.Add(attempt.Text);
            return Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, $"feedback for {attempt.Text}"));
        }
    }

    /// <summary>Slots 0 and 1 draw "common#seed": a new text at every draw, always the same key; the others draw texts of
    /// their own seed.</summary>
    private static string CommonKeyOrFresh(long seed, int slot, int updates) => slot < 2 ? $"common#{seed % 100_003}" : $"r{seed % 100_003}-{slot}";

    private static DiscoveryRequest DistinctEquivalent(DiscoveryRequest request) =>
        request with { Sampling = new AttemptSampling(DistinctAttempts: true, DistinctEquivalence: true) };

    [Fact]
    public async Task DistinctEquivalenceDrawsAgainAnswersEquivalentToAFailureAndDistilsOnlyTextsThatFailed()
    {
        var verifier = new PrefixEquivalence();
        var policy = new ScriptedPolicy(CommonKeyOrFresh);
        var events = await Collect(DiscoveryLoop.RunAsync(DistinctEquivalent(Request(verifier, maxAttempts: 16, perStep: 4)), policy));

        var attempts = events.OfType<AttemptEvaluated>().ToList();
        Assert.Equal(16, attempts.Count);
        Assert.Single(attempts, a => a.Text.StartsWith("common#"));
        Assert.Equal(16, verifier.Calls.Distinct().Count());
        Assert.Equal(16, verifier.Calls.Count);
        Assert.All(events.OfType<StepCompleted>().Skip(1), s => Assert.Equal(2, s.Redrawn));
        // Drawn away for their key alone, the later "common#…" texts have no feedback of their own: only attempts are distilled.
        Assert.NotEmpty(policy.UpdateBatches);
        Assert.All(policy.UpdateBatches.SelectMany(b => b), t => Assert.Contains(t.Attempt.Text, attempts.Select(a => a.Text)));

        // By text alone every "common#…" is new: each step spends at least one attempt on the same key.
        var byText = await Collect(DiscoveryLoop.RunAsync(Distinct(Request(new PrefixEquivalence(), maxAttempts: 16, perStep: 4)), new ScriptedPolicy(CommonKeyOrFresh)));
        Assert.True(byText.OfType<AttemptEvaluated>().Count(a => a.Text.StartsWith("common#")) >= 4);
    }

    [Fact]
    public void DistinctEquivalenceNeedsDistinctAttemptsAndAVerifierWithKeys()
    {
        var withoutDistinct = Request(new PrefixEquivalence()) with { Sampling = new AttemptSampling(DistinctEquivalence: true) };
        Assert.Equal("DistinctEquivalence", Assert.Throws<ArgumentOutOfRangeException>(withoutDistinct.Validate).ParamName);
        var error = Assert.Throws<ArgumentException>(DistinctEquivalent(Request(new PassWhen(_ => false))).Validate);
        Assert.Contains("sampling.distinctEquivalence", error.Message);
        DistinctEquivalent(Request(new PrefixEquivalence())).Validate();
        Assert.Null(Distinct(Request(new PrefixEquivalence())).EquivalenceKey("common#1"));
        Assert.Equal("common", DistinctEquivalent(Request(new PrefixEquivalence())).EquivalenceKey("common#1"));
    }

    [Fact]
    public async Task DistinctEquivalenceResumesToTheSameContinuation()
    {
        var request = DistinctEquivalent(Request(new PrefixEquivalence(), maxAttempts: 40, perStep: 4));
        var uninterrupted = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(CommonKeyOrFresh)));
        string directory = Path.Combine(Path.GetTempPath(), "sdpo-equivalence-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCancelledAtFourthDraw(request, CommonKeyOrFresh, directory);
            string fingerprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "loop.json"))).RootElement.GetProperty("Fingerprint").GetString()!;
            Assert.Contains("\"DistinctEquivalence\":true", fingerprint);

            var after = await Collect(DiscoveryLoop.RunAsync(request, new ScriptedPolicy(CommonKeyOrFresh), directory));
            int first = after.OfType<AttemptEvaluated>().First().Index;
            Assert.True(first > 0);
            static object Content(AttemptEvaluated a) => (a.Index, a.Step, a.Text);
            Assert.Equal(uninterrupted.OfType<AttemptEvaluated>().Skip(first).Select(Content), after.OfType<AttemptEvaluated>().Select(Content));
            // The saved keys keep the resumed run off the key that already failed.
            Assert.DoesNotContain(after.OfType<AttemptEvaluated>(), a => a.Text.StartsWith("common#"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class DelegateVerifier : IVerifier
    {
        private readonly Func<Attempt, Verdict> _verify;
        public DelegateVerifier(Func<Attempt, Verdict> verify) => _verify = verify;
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) => Task.FromResult(_verify(attempt));
    }
}
