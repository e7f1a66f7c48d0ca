using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Engines;

/// <summary>The models the service can use and the engine that runs discovery on each.</summary>
public interface IEngineProvider
{
    IReadOnlyList<ModelInfo> Models { get; }

    /// <summary>The named model, or the default one when <paramref name="name"/> is null; null when unknown.</summary>
    ModelInfo? Find(string? name);

    /// <summary>The engine for a model, loading it on first use. Throws <see cref="Sdpo.Engine.EngineException"/>
    /// when the model cannot be loaded.</summary>
    IDiscoveryEngine GetEngine(ModelInfo model);
}
