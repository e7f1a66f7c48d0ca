using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Scoring;
using Sdpo.Engine.Sdpo;
using Sdpo.TestSupport;
using Xunit.Abstractions;

namespace Sdpo.Engine.Tests.Sdpo;

public class SdpoMechanismTests
{
    private readonly ITestOutputHelper _output;
    public SdpoMechanismTests(ITestOutputHelper output) => _output = output;

    private sealed class NeverPasses : IVerifier
    {
        private readonly string _feedback;
        public NeverPasses(string feedback) => _feedback = feedback;
        public string Kind => "test";
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, _feedback));
    }

    [SharedDataFact("models/stories260k/model.safetensors")]
    public async Task Probe()
    {
        using var model = await LanguageModel.LoadAsync("stories260k", SharedData.Require("models/stories260k"));
        const string prompt = "Once upon a time";
        const string feedback = "The story must be about a big red ball. The ball was red.";
        const string answer = " there was a big red ball.";
        var answerIds = model.Tokenizer.Encode(answer);
        var scorer = new SequenceScorer(model.Model);
        double LogProb(string context) => model.Thread.RunAsync(() =>
            scorer.Score(new[] { new ScoringPair(model.EncodePrompt(context), answerIds) })[0].TotalLogProb).Result;
        _output.WriteLine($"student {LogProb(prompt):F3} teacher {LogProb(TeacherPrompt.Build(prompt, feedback)):F3}");

        var request = new DiscoveryRequest(new Problem(prompt), new NeverPasses(feedback), DiscoveryMethod.Sdpo,
            new DiscoveryBudget(48, 8), new AttemptSampling(MaxNewTokens: 12), new SdpoOptions { LearningRate = 3e-2, Teacher = TeacherKind.Frozen }, Seed: 3);
        using var policy = await SdpoPolicy.CreateAsync(model, request, default);
        await foreach (var e in DiscoveryLoop.RunAsync(request, policy))
        {
            if (e is StepCompleted s)
            {
                using var attach = await model.Thread.RunAsync(() => policy.Adapter!.Attach(model.Model));
                _output.WriteLine($"step {s.Step} loss {s.Loss:F4} div {s.MeanDivergence:F4} ratio {s.MeanTeacherStudentLogRatio:F3} gn {s.GradNorm:F3} student {LogProb(prompt):F3} ms {s.Timings}");
                await model.Thread.RunAsync(() => attach.Dispose());
            }
            if (e is AttemptEvaluated { Index: < 3 } a) _output.WriteLine(a.Text);
        }
    }
}
