using Sdpo.Contracts;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Models;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Service.Engines;

/// <summary>Loads a checkpoint folder with TorchSharp onto the model's device, in its dtype, and runs discovery on it
/// in process.</summary>
public sealed class TorchEngineFactory : IEngineFactory
{
    public async Task<IDiscoveryEngine> LoadAsync(ModelInfo model)
    {
        var dtype = ModelDtype.TryParse(model.Dtype)
                    ?? throw new EngineException($"Unsupported dtype '{model.Dtype}': use float32, bfloat16 or float16.");
        if (!Directory.Exists(model.Path))
            throw new EngineException($"The model folder {model.Path} does not exist.");
        var language = await LanguageModel.LoadAsync(model.Name, model.Path, model.Device, dtype, model.Threads);
        return new LoadedModelEngine(language);
    }
}

/// <summary>A <see cref="LocalDiscoveryEngine"/> that owns its loaded model and releases it (weights, device thread)
/// when disposed.</summary>
public sealed class LoadedModelEngine(LanguageModel model) : IDiscoveryEngine, IDisposable
{
    private readonly LocalDiscoveryEngine _engine = new(model);

    public string ModelName => _engine.ModelName;

    public int ContextLength => _engine.ContextLength;

    public int DecoderLayers => _engine.DecoderLayers;

    public IReadOnlyList<string> AdaptableModules => _engine.AdaptableModules;

    /// <summary>LibTorch's CPU threads the model runs with.</summary>
    public int TorchThreads => model.TorchThreads;

    public SdpoOptions SdpoDefaults => _engine.SdpoDefaults;

    public int CountPromptTokens(string prompt) => _engine.CountPromptTokens(prompt);

    public IAsyncEnumerable<DiscoveryEvent> RunAsync(DiscoveryRequest request, string? stateDirectory = null, CancellationToken cancellationToken = default) =>
        _engine.RunAsync(request, stateDirectory, cancellationToken);

    public Task<TeacherAdvantage> MeasureTeacherAdvantageAsync(string prompt, string feedback, string answer, IAnswerGrammar? grammar,
        CancellationToken cancellationToken) =>
        _engine.MeasureTeacherAdvantageAsync(prompt, feedback, answer, grammar, cancellationToken);

    public void Dispose() => model.Dispose();
}
