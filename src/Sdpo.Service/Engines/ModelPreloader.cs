using Microsoft.Extensions.Options;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Engines;

/// <summary>With <see cref="ServiceOptions.LoadModelsAtStart"/>, starts loading every configured model as the service
/// starts, without waiting: the API serves (answering 503 for a model still loading) while the weights load.</summary>
public sealed class ModelPreloader(IEngineProvider engines, IOptions<ServiceOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.LoadModelsAtStart)
            foreach (var model in engines.Models) engines.StartLoading(model);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
