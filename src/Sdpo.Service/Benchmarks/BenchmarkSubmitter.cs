using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>Records an accepted benchmark with its candidate problems and wakes the coordinator, which makes its runs.</summary>
public sealed class BenchmarkSubmitter(IDbContextFactory<SdpoDbContext> contexts, BenchmarkSignals signals)
{
    public async Task<Guid> SubmitAsync(BenchmarkSubmission submission, CancellationToken cancellationToken)
    {
        var request = submission.Request;
        var now = DateTimeOffset.UtcNow;
        var benchmark = new BenchmarkEntity
        {
            Id = Guid.CreateVersion7(),
            Name = request.Name!,
            Status = BenchmarkStatus.Queued,
            Model = submission.Model.Name,
            RequestJson = JsonSerializer.Serialize(request, ServiceJson.Options),
            CreatedAt = now,
        };
        benchmark.Problems = submission.Problems.Select((problem, index) => new BenchmarkProblemEntity
        {
            BenchmarkId = benchmark.Id, Index = index, SpecJson = problem.Spec.GetRawText(), Label = problem.Label,
        }).ToList();
        var queued = new BenchmarkQueued(submission.Problems.Count, request.Methods!.Select(m => m.ToWire()).ToList(), request.Seeds!.Value,
            request.Budget!.MaxAttempts, request.SelectHard is not null);

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Benchmarks.Add(benchmark);
            db.BenchmarkEvents.Add(queued.ToEntity(benchmark.Id, 1, now));
            await db.SaveChangesAsync(cancellationToken);
        }
        signals.EventsSaved();
        signals.WakeCoordinator();
        return benchmark.Id;
    }
}
