using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Engines;

/// <summary>Loads the engine for one configured model. The provider calls it off the request path, once per
/// model (again only after a failure); an engine that is <see cref="IDisposable"/> is disposed at shutdown.</summary>
public interface IEngineFactory
{
    /// <summary>Throws when the model cannot be loaded; the message is shown to clients as the reason.</summary>
    Task<IDiscoveryEngine> LoadAsync(ModelInfo model);
}
