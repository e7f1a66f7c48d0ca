using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Engines;

/// <summary>Stands in until the TorchSharp discovery engine is registered: every model reports that it cannot be loaded.</summary>
public sealed class UnwiredEngineFactory : IEngineFactory
{
    public IDiscoveryEngine Create(ModelOptions model) =>
        throw new EngineException($"Model '{model.Name}' cannot be loaded: no discovery engine is registered in this build.");
}
