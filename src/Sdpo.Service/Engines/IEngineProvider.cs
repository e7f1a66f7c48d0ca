using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Engines;

/// <summary>The models the service can use and the engine that runs discovery on each.</summary>
public interface IEngineProvider
{
    IReadOnlyList<ModelInfo> Models { get; }

    /// <summary>The named model, or the default one when <paramref name="name"/> is null; null when unknown.</summary>
    ModelInfo? Find(string? name);

    /// <summary>Whether the model is loaded, loading, not loaded yet, or failed (with the reason).</summary>
    ModelAvailability Availability(ModelInfo model);

    /// <summary>Starts loading the model in the background unless it is loaded or loading (or failed too recently
    /// to try again). Never blocks.</summary>
    void StartLoading(ModelInfo model);

    /// <summary>The model's engine, starting its load when needed and waiting for it at most <paramref name="maxWait"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: until it ends). Throws <see cref="ModelUnavailableException"/> when the
    /// model failed to load or is still loading after the wait.</summary>
    Task<IDiscoveryEngine> GetEngineAsync(ModelInfo model, TimeSpan maxWait, CancellationToken cancellationToken);
}
