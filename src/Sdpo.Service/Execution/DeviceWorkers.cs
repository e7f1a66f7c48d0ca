using Microsoft.Extensions.Options;
using Sdpo.Service.Configuration;

namespace Sdpo.Service.Execution;

/// <summary>One worker per device, each running up to <see cref="ServiceOptions.RunsPerDevice"/> runs at a time.
/// Stopping cancels the running runs' shutdown token; they end interrupted and resume at the next start.</summary>
public sealed class DeviceWorkers(RunQueue queue, RunExecutor executor, IOptions<ServiceOptions> options, ILogger<DeviceWorkers> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = queue.Devices
            .SelectMany(device => Enumerable.Range(0, options.Value.RunsPerDevice).Select(slot => Task.Run(() => LoopAsync(device, slot, stoppingToken), CancellationToken.None)))
            .ToList();
        return Task.WhenAll(loops);
    }

    private async Task LoopAsync(string device, int slot, CancellationToken stoppingToken)
    {
        logger.LogDebug("Worker {Device}#{Slot} started", device, slot);
        while (!stoppingToken.IsCancellationRequested)
        {
            Guid runId;
            try
            {
                runId = await queue.DequeueAsync(device, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            // The executor reports its own failures; nothing a run does may end the worker.
            try
            {
                await executor.ExecuteAsync(runId, stoppingToken);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Worker {Device}#{Slot} caught a failure of run {RunId}", device, slot, runId);
            }
        }
    }
}
