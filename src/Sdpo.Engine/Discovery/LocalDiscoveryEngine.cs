using System.Runtime.CompilerServices;
using Sdpo.Contracts;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// Discovery on a model loaded in this process. Runs share the model's base weights and its device thread;
/// each SDPO run owns its adapter. When a run ends and has a state directory, its adapter is exported there in
/// PEFT layout (<c>adapter/</c>) so a user can load what was discovered.
/// </summary>
public sealed class LocalDiscoveryEngine : IDiscoveryEngine
{
    public const string AdapterFolder = "adapter";
    private readonly LanguageModel _model;

    public LocalDiscoveryEngine(LanguageModel model) => _model = model;

    public string ModelName => _model.Name;

    public int ContextLength => _model.ContextLength;

    public int DecoderLayers => _model.Model.Config.NumHiddenLayers;

    public IReadOnlyList<string> AdaptableModules => _model.Model.AdaptableModuleNames;

    public SdpoOptions SdpoDefaults => _model.SdpoDefaults;

    public int CountPromptTokens(string prompt) => _model.EncodePrompt(prompt).Count;

    public Task<TeacherAdvantage> MeasureTeacherAdvantageAsync(string prompt, string feedback, string answer, IAnswerGrammar? grammar,
        CancellationToken cancellationToken) =>
        TeacherAdvantage.MeasureAsync(_model, prompt, feedback, answer, cancellationToken: cancellationToken, grammar: grammar);

    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(DiscoveryRequest request, string? stateDirectory = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Sdpo is null) request = request with { Sdpo = _model.SdpoDefaults };
        string? invalid = null;
        try
        {
            request.Validate();
            int needed = CountPromptTokens(request.Problem.Prompt) + request.EffectiveSampling.MaxNewTokens;
            if (needed > ContextLength) throw new ContextLengthException(needed, ContextLength, "prompt plus sampling.maxNewTokens");
        }
        catch (Exception e) when (e is ArgumentException or EngineException)
        {
            invalid = e.Message;
        }
        if (invalid is not null)
        {
            yield return new Failed(invalid);
            yield break;
        }

        SdpoPolicy? created = null;
        DiscoveryEvent? early = null;
        try
        {
            created = await SdpoPolicy.CreateAsync(_model, request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            early = new Cancelled(0);
        }
        catch (EngineException e)
        {
            early = new Failed(e.Message);
        }
        if (early is not null)
        {
            yield return early;
            yield break;
        }

        using var policy = created!;
        await foreach (var e in DiscoveryLoop.RunAsync(request, policy, stateDirectory, cancellationToken))
        {
            if (e.IsFinal && stateDirectory is not null && policy.Adapter is not null)
                await policy.ExportAdapterAsync(Path.Combine(stateDirectory, AdapterFolder));
            yield return e;
        }
    }
}
