using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Engines;

/// <summary>The models of the "Models" settings, each engine created once by the <see cref="IEngineFactory"/>.</summary>
public sealed class ConfiguredEngineProvider : IEngineProvider, IDisposable
{
    private readonly Dictionary<string, ModelOptions> _options;
    private readonly IEngineFactory _factory;
    private readonly ConcurrentDictionary<string, Lazy<IDiscoveryEngine>> _engines = new(StringComparer.Ordinal);

    public ConfiguredEngineProvider(IOptions<ModelCatalogOptions> catalog, IEngineFactory factory)
    {
        _factory = factory;
        var configured = catalog.Value.Models;
        _options = configured.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var defaultName = configured.FirstOrDefault(m => m.Default)?.Name ?? configured.FirstOrDefault()?.Name;
        Models = configured.Select(m => new ModelInfo(m.Name, m.Device, m.Dtype, m.Path, m.Name == defaultName)).ToList();
    }

    public IReadOnlyList<ModelInfo> Models { get; }

    public ModelInfo? Find(string? name) =>
        name is null ? Models.FirstOrDefault(m => m.IsDefault) : Models.FirstOrDefault(m => m.Name == name);

    public IDiscoveryEngine GetEngine(ModelInfo model)
    {
        // A failed load is not cached: the next request tries again (the checkpoint may have been fixed).
        var lazy = _engines.GetOrAdd(model.Name, name => new Lazy<IDiscoveryEngine>(() => _factory.Create(_options[name])));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _engines.TryRemove(new KeyValuePair<string, Lazy<IDiscoveryEngine>>(model.Name, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _engines.Values)
            if (lazy.IsValueCreated && lazy.Value is IDisposable disposable) disposable.Dispose();
    }
}
