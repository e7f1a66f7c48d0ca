using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Engines;

/// <summary>
/// The models of the "Models" settings. Each is loaded by the <see cref="IEngineFactory"/> on a background task,
/// never on a request thread: a request waits for a load in progress only up to a bound. A failed load is kept
/// with its reason (so every use answers it at once) and tried again on a use after <see cref="ServiceOptions.ModelRetrySeconds"/>,
/// in case the checkpoint was fixed. Loaded engines are disposed with the provider at shutdown.
/// </summary>
public sealed class ConfiguredEngineProvider : IEngineProvider, IDisposable
{
    private readonly IEngineFactory _factory;
    private readonly TimeSpan _retryAfter;
    private readonly ILogger<ConfiguredEngineProvider> _logger;
    private readonly Dictionary<string, ModelSlot> _slots;
    private readonly Lock _gate = new();
    private bool _disposed;

    public ConfiguredEngineProvider(
        IOptions<ModelCatalogOptions> catalog, IOptions<ServiceOptions> options, IHostEnvironment environment,
        IEngineFactory factory, ILogger<ConfiguredEngineProvider> logger)
    {
        _factory = factory;
        _logger = logger;
        _retryAfter = TimeSpan.FromSeconds(options.Value.ModelRetrySeconds);
        var configured = catalog.Value.Models;
        var defaultName = configured.FirstOrDefault(m => m.Default)?.Name ?? configured.FirstOrDefault()?.Name;
        var baseDirectory = RootAppSettings.BaseDirectory(environment.ContentRootPath);
        Models = configured
            .Select(m => new ModelInfo(m.Name, m.Device, m.Dtype, Path.GetFullPath(Path.Combine(baseDirectory, m.Path)), m.Name == defaultName, m.Threads))
            .ToList();
        _slots = Models.ToDictionary(m => m.Name, _ => new ModelSlot(), StringComparer.Ordinal);
    }

    public IReadOnlyList<ModelInfo> Models { get; }

    public ModelInfo? Find(string? name) =>
        name is null ? Models.FirstOrDefault(m => m.IsDefault) : Models.FirstOrDefault(m => m.Name == name);

    public ModelAvailability Availability(ModelInfo model)
    {
        var slot = Slot(model);
        var load = slot.Load;
        if (load is null) return new ModelAvailability(ModelState.Unloaded);
        if (!load.IsCompleted) return new ModelAvailability(ModelState.Loading, Retrying: Interlocked.Read(ref slot.FailedAt) != 0);
        return load.IsCompletedSuccessfully
            ? new ModelAvailability(ModelState.Loaded, ContextLength: load.Result.ContextLength, SdpoDefaults: load.Result.SdpoDefaults)
            : new ModelAvailability(ModelState.Failed, Reason(load));
    }

    public void StartLoading(ModelInfo model) => CurrentLoad(model);

    public async Task<IDiscoveryEngine> GetEngineAsync(ModelInfo model, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var load = CurrentLoad(model);
        if (!load.IsCompleted)
        {
            try
            {
                await load.WaitAsync(maxWait, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new ModelUnavailableException(model.Name, $"Model '{model.Name}' is still loading; retry shortly.", loading: true);
            }
            catch (ModelUnavailableException)
            {
                // Reported below, from the task itself.
            }
        }
        if (load.IsCompletedSuccessfully) return load.Result;
        throw new ModelUnavailableException(model.Name, Reason(load), inner: load.Exception?.InnerException);
    }

    /// <summary>The model's load: the one in progress or done, or a new one when there is none or the last failed
    /// long enough ago.</summary>
    private Task<IDiscoveryEngine> CurrentLoad(ModelInfo model)
    {
        var slot = Slot(model);
        lock (_gate)
        {
            if (_disposed) throw new ModelUnavailableException(model.Name, $"Model '{model.Name}' is unavailable: the service is stopping.");
            var retryDue = slot.Load is { IsFaulted: true } && Stopwatch.GetElapsedTime(slot.FailedAt) >= _retryAfter;
            if (slot.Load is null || retryDue) slot.Load = Task.Run(() => LoadAsync(model, slot));
            return slot.Load;
        }
    }

    private async Task<IDiscoveryEngine> LoadAsync(ModelInfo model, ModelSlot slot)
    {
        var started = Stopwatch.GetTimestamp();
        _logger.LogInformation("Loading model {Model} from {Path} on {Device} ({Dtype})", model.Name, model.Path, model.Device, model.Dtype);
        IDiscoveryEngine engine;
        try
        {
            engine = await _factory.LoadAsync(model);
        }
        catch (Exception ex)
        {
            var reason = $"Model '{model.Name}' cannot be loaded from {model.Path}: {Describe(ex)}";
            if (IsExpected(ex)) _logger.LogError("{Reason}", reason);
            else _logger.LogError(ex, "{Reason}", reason);
            lock (_gate) slot.FailedAt = Stopwatch.GetTimestamp();
            throw new ModelUnavailableException(model.Name, reason, inner: ex);
        }
        lock (_gate)
        {
            if (!_disposed)
            {
                slot.Engine = engine;
                _logger.LogInformation("Model {Model} loaded in {Seconds:0.0} s (context {Context} tokens, {Threads} torch threads)",
                    model.Name, Stopwatch.GetElapsedTime(started).TotalSeconds, engine.ContextLength,
                    engine is LoadedModelEngine loaded ? loaded.TorchThreads : "default");
                return engine;
            }
        }
        (engine as IDisposable)?.Dispose();
        throw new ModelUnavailableException(model.Name, $"Model '{model.Name}' finished loading after the service stopped.");
    }

    /// <summary>Failures that a bad checkpoint or setting explains by its message, without a stack trace.</summary>
    private static bool IsExpected(Exception ex) =>
        ex is EngineException or ArgumentException or IOException or UnauthorizedAccessException;

    private static string Describe(Exception ex) => IsExpected(ex) ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";

    private static string Reason(Task load) =>
        load.Exception?.InnerException?.Message ?? "The model could not be loaded.";

    private ModelSlot Slot(ModelInfo model) =>
        _slots.TryGetValue(model.Name, out var slot) ? slot : throw new ArgumentException($"Model '{model.Name}' is not configured.", nameof(model));

    public void Dispose()
    {
        List<IDiscoveryEngine> engines;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            engines = _slots.Values.Select(s => s.Engine).OfType<IDiscoveryEngine>().ToList();
        }
        foreach (var engine in engines)
        {
            try
            {
                (engine as IDisposable)?.Dispose();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Disposing model {Model} failed", engine.ModelName);
            }
        }
    }

    private sealed class ModelSlot
    {
        public Task<IDiscoveryEngine>? Load;
        public IDiscoveryEngine? Engine;
        public long FailedAt;
    }
}
