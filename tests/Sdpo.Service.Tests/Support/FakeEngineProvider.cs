using Sdpo.Engine.Discovery;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Tests.Support;

/// <summary>One model on the "cpu" device, served by a fake engine that is always loaded.</summary>
public sealed class FakeEngineProvider(FakeDiscoveryEngine engine, string modelName = "fake-model") : IEngineProvider
{
    public IReadOnlyList<ModelInfo> Models { get; } = [new ModelInfo(modelName, "cpu", "float32", "/models/fake", IsDefault: true)];

    public ModelInfo? Find(string? name) => name is null ? Models[0] : Models.FirstOrDefault(m => m.Name == name);

    public ModelAvailability Availability(ModelInfo model) => new(ModelState.Loaded, ContextLength: engine.ContextLength, SdpoDefaults: engine.SdpoDefaults);

    public void StartLoading(ModelInfo model)
    {
    }

    public Task<IDiscoveryEngine> GetEngineAsync(ModelInfo model, TimeSpan maxWait, CancellationToken cancellationToken) =>
        Task.FromResult<IDiscoveryEngine>(engine);
}
