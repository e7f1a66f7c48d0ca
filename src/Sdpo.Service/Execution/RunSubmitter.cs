using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Metrics;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>Records an accepted submission and queues it on its model's device.</summary>
public sealed class RunSubmitter(
    IDbContextFactory<SdpoDbContext> contexts, RunQueue queue, RunControl control, RunEventHub hub, ServiceMetrics metrics, RunActivityLog activity)
{
    /// <summary>The new run's id, or null when the device's queue is full.</summary>
    public async Task<Guid?> TrySubmitAsync(SolveSubmission submission, CancellationToken cancellationToken)
    {
        var device = submission.Model.Device;
        if (!queue.TryReserve(device))
        {
            metrics.RunRejected();
            return null;
        }
        var request = submission.Request;
        var run = new RunEntity
        {
            Id = Guid.CreateVersion7(),
            Status = RunStatus.Queued,
            Method = request.Method.ToWire(),
            Model = submission.Model.Name,
            Device = device,
            Seed = request.Seed,
            RequestJson = JsonSerializer.Serialize(request, ServiceJson.Options),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var methods = new[] { request.Method }.Concat(request.CompareWith ?? []).ToList();
        run.Methods = methods.Select((m, order) => new RunMethodEntity { RunId = run.Id, Method = m.ToWire(), Order = order, Status = RunStatus.Queued }).ToList();
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.Runs.Add(run);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            queue.Release(device);
            throw;
        }
        control.Register(run.Id);
        hub.Activate(run.Id);
        queue.Enqueue(device, run.Id);
        metrics.RunSubmitted();
        activity.Submitted(run.Id, run.Model, device, run.Methods.Select(m => m.Method));
        return run.Id;
    }
}
