using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Engines;

/// <summary>Loads the engine for one configured model. Called once per model, on first use.</summary>
public interface IEngineFactory
{
    IDiscoveryEngine Create(ModelOptions model);
}
