using System.Runtime.CompilerServices;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Lora;
using Sdpo.Engine.Sdpo;
using Sdpo.Service.Engines;

namespace Sdpo.Service.LoadTest;

/// <summary>
/// An engine that costs (almost) nothing, so that the load measures the service itself: submission, queueing,
/// recording, persistence and fan-out. Each run makes <see cref="AttemptsPerRun"/> attempts, a step event after
/// each <c>attemptsPerStep</c>, and passes on its last attempt.
/// </summary>
public sealed class InstantDiscoveryEngine(int attemptsPerRun, TimeSpan attemptDelay) : IDiscoveryEngine
{
    public int AttemptsPerRun { get; } = attemptsPerRun;

    public string ModelName => "instant";

    public int ContextLength => 4096;

    public int DecoderLayers => 1;

    public IReadOnlyList<string> AdaptableModules => LoraOptions.DefaultTargetModules;

    public SdpoOptions SdpoDefaults { get; } = new();

    public int CountPromptTokens(string prompt) => prompt.Length / 4 + 1;

    /// <summary>Knows no better with feedback than without: the load measures the service, not a model.</summary>
    public Task<TeacherAdvantage> MeasureTeacherAdvantageAsync(string prompt, string feedback, string answer, IAnswerGrammar? grammar,
        CancellationToken cancellationToken) =>
        Task.FromResult(new TeacherAdvantage(-answer.Length, -answer.Length, answer.Length));

    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(DiscoveryRequest request, string? stateDirectory = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var perStep = request.EffectiveBudget.AttemptsPerStep;
        for (var index = 0; index < AttemptsPerRun; index++)
        {
            if (attemptDelay > TimeSpan.Zero) await Task.Delay(attemptDelay, cancellationToken);
            else await Task.Yield();
            var passed = index == AttemptsPerRun - 1;
            var verdict = passed ? Verdict.Pass() : Verdict.Fail(VerdictStatus.Wrong, $"attempt {index} is wrong");
            var text = $"answer {index}";
            yield return new AttemptEvaluated(index, index / perStep, text, 4, verdict, new AttemptTimings(0, 0));
            if (passed)
            {
                yield return new Discovered(index, text);
                yield break;
            }
            if ((index + 1) % perStep == 0)
                yield return new StepCompleted(index / perStep, index + 1, 0.1, 0.1, 0.1, 0.1, perStep, new StepTimings(0, 0, 0, 0));
        }
    }
}

/// <summary>One always-loaded model on the cpu device, served by the instant engine.</summary>
public sealed class InstantEngineProvider(InstantDiscoveryEngine engine) : IEngineProvider
{
    public IReadOnlyList<ModelInfo> Models { get; } = [new ModelInfo("instant", "cpu", "float32", "(in memory)", IsDefault: true)];

    public ModelInfo? Find(string? name) => name is null || name == "instant" ? Models[0] : null;

    public ModelAvailability Availability(ModelInfo model) => new(ModelState.Loaded, ContextLength: engine.ContextLength, SdpoDefaults: engine.SdpoDefaults);

    public void StartLoading(ModelInfo model)
    {
    }

    public Task<IDiscoveryEngine> GetEngineAsync(ModelInfo model, TimeSpan maxWait, CancellationToken cancellationToken) =>
        Task.FromResult<IDiscoveryEngine>(engine);
}
