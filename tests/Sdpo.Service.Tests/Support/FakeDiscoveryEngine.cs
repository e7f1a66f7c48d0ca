using System.Runtime.CompilerServices;
using Sdpo.Contracts;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Lora;
using Sdpo.Engine.Sdpo;
using Sdpo.Service.Execution;

namespace Sdpo.Service.Tests.Support;

/// <summary>
/// A deterministic engine: attempt i of a method is "&lt;method&gt; attempt i seed s", and the attempt at
/// <see cref="DiscoverAt"/> passes. Like the real engine it saves its state (the next step) after every step,
/// resumes from it by repeating the interrupted step, writes an adapter folder for SDPO, and ends with
/// <see cref="Cancelled"/> when its token is cancelled.
/// </summary>
public sealed class FakeDiscoveryEngine : IDiscoveryEngine
{
    public const string StateFile = "fake-state.txt";

    public string ModelName { get; init; } = "fake-model";
    public int ContextLength { get; init; } = 256;
    public int DecoderLayers { get; init; } = 2;

    public IReadOnlyList<string> AdaptableModules { get; init; } = LoraOptions.DefaultTargetModules;

    /// <summary>What a checkpoint's sdpo_defaults.json would give; the paper's defaults unless a test sets them.</summary>
    public SdpoOptions SdpoDefaults { get; init; } = new();
    public TimeSpan AttemptDelay { get; init; } = TimeSpan.FromMilliseconds(2);
    public Func<DiscoveryMethod, int?> DiscoverAt { get; init; } = _ => 5;
    /// <summary>When set, decides the passing index from the whole request (problem, method, seed) instead of <see cref="DiscoverAt"/>.</summary>
    public Func<DiscoveryRequest, int?>? DiscoverAtFor { get; init; }
    /// <summary>When set, writes attempt texts instead of "&lt;method&gt; attempt i seed s".</summary>
    public Func<DiscoveryMethod, int, string>? AttemptText { get; init; }
    /// <summary>Which attempts (by index) report their verdict as reused from an earlier copy of their text.</summary>
    public Func<int, bool> VerdictReusedAt { get; init; } = _ => false;
    /// <summary>Whether the verdicts say the attempt ran in the sandbox.</summary>
    public bool Sandboxed { get; init; }
    /// <summary>When set, awaited before each attempt (by index): lets a test hold a run at a known point.</summary>
    public Func<int, Task>? BeforeAttempt { get; init; }
    /// <summary>Never sees its token (a shutdown or a cancel), as a process killed mid-step would not: a test's host
    /// stop then gives up on the run, leaving the database as a crash would.</summary>
    public bool IgnoresCancellation { get; init; }
    public int Executions => _executions;
    /// <summary>Every request it was asked to run, in order.</summary>
    public List<DiscoveryRequest> Requests { get; } = [];
    private int _executions;

    /// <summary>One token per whitespace-separated word.</summary>
    public int CountPromptTokens(string prompt) => prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>The teacher advantage it reports for (prompt, feedback, answer); by default one nat per word of the answer
    /// when the feedback says "less", minus one nat a word otherwise.</summary>
    public Func<string, string, string, TeacherAdvantage> Advantage { get; init; } = (_, feedback, answer) =>
    {
        var words = answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return new TeacherAdvantage(-2.0 * words, feedback.Contains("less") ? -1.0 * words : -3.0 * words, words);
    };

    /// <summary>Every teacher-advantage call: prompt, feedback, answer and whether a grammar was given.</summary>
    public List<(string Prompt, string Feedback, string Answer, bool Constrained)> AdvantageCalls { get; } = [];

    public Task<TeacherAdvantage> MeasureTeacherAdvantageAsync(string prompt, string feedback, string answer, IAnswerGrammar? grammar,
        CancellationToken cancellationToken)
    {
        var tokens = CountPromptTokens(prompt + " " + feedback + " " + answer);
        if (tokens > ContextLength) throw new ContextLengthException(tokens, ContextLength, "teacher context plus answer");
        lock (AdvantageCalls) AdvantageCalls.Add((prompt, feedback, answer, grammar is not null));
        return Task.FromResult(Advantage(prompt, feedback, answer));
    }

    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(
        DiscoveryRequest request, string? stateDirectory = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _executions);
        if (IgnoresCancellation) cancellationToken = CancellationToken.None;
        lock (Requests) Requests.Add(request);
        var budget = request.EffectiveBudget;
        var perStep = budget.AttemptsPerStep;
        var method = request.Method;
        var statePath = stateDirectory is null ? null : Path.Combine(stateDirectory, StateFile);
        var step = statePath is not null && File.Exists(statePath) ? int.Parse(await File.ReadAllTextAsync(statePath, CancellationToken.None)) : 0;

        for (; ; step++)
        {
            for (var j = 0; j < perStep; j++)
            {
                var index = step * perStep + j;
                if (index >= budget.MaxAttempts)
                {
                    yield return new Exhausted(budget.MaxAttempts);
                    yield break;
                }
                var cancelled = false;
                try
                {
                    if (BeforeAttempt is { } hold) await hold(index).WaitAsync(cancellationToken);
                    await Task.Delay(AttemptDelay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                }
                if (cancelled)
                {
                    yield return new Cancelled(index);
                    yield break;
                }
                var text = AttemptText?.Invoke(method, index) ?? $"{method.ToWire()} attempt {index} seed {request.Seed}";
                var passed = (DiscoverAtFor is { } decide ? decide(request) : DiscoverAt(method)) == index;
                var verdict = (passed ? Verdict.Pass() : Verdict.Fail(VerdictStatus.Wrong, $"attempt {index} is wrong")) with { Sandboxed = Sandboxed };
                yield return new AttemptEvaluated(index, step, text, 3, verdict, new AttemptTimings(1, 0.1), VerdictReusedAt(index));
                if (passed)
                {
                    yield return new Discovered(index, text);
                    yield break;
                }
            }
            double? loss = method == DiscoveryMethod.Sdpo ? 0.5 / (step + 1) : null;
            yield return new StepCompleted(step, (step + 1) * perStep, loss, loss, loss, loss, perStep, new StepTimings(4, 0.4, 1, 1));
            if (stateDirectory is not null) SaveState(stateDirectory, statePath!, step + 1, method);
        }
    }

    private static void SaveState(string stateDirectory, string statePath, int nextStep, DiscoveryMethod method)
    {
        Directory.CreateDirectory(stateDirectory);
        File.WriteAllText(statePath, nextStep.ToString());
        if (method != DiscoveryMethod.Sdpo) return;
        var adapter = Directory.CreateDirectory(Path.Combine(stateDirectory, "adapter"));
        File.WriteAllText(Path.Combine(adapter.FullName, "adapter_config.json"), """{"peft_type":"LORA","r":8}""");
        File.WriteAllBytes(Path.Combine(adapter.FullName, "adapter_model.safetensors"), [1, 2, 3]);
    }
}
