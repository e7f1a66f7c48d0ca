using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sdpo.Service.Persistence;
using Sdpo.Service.Problems;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>An operator follows runs in the log at the default level: submitted, started, ended (with the model, the
/// methods, the outcome and the time), and which runs a shutdown interrupted. The log said nothing about runs.</summary>
public sealed class RunActivityLogTests : IDisposable
{
    private const string Request = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "sdpo", "compareWith": ["best-of-k"], "budget": {"maxAttempts": 200, "attemptsPerStep": 4}, "seed": 3}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private static Dictionary<string, string> Information => new() { ["Logging:LogLevel:Sdpo.Service.Execution"] = "Information" };

    [Fact]
    public async Task A_run_is_logged_when_submitted_started_and_ended_and_not_per_attempt()
    {
        var log = new LogCapture();
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 10 }, Information, services: s => s.AddSingleton<ILoggerProvider>(log));

        var id = await ServiceApi.SubmitAsync(host.Client, Request);
        await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "discovered");

        var lines = log.Lines.Where(l => l.Level == LogLevel.Information && l.Message.Contains(id.ToString())).Select(l => l.Message).ToList();
        Assert.Contains(lines, m => m.Contains("submitted") && m.Contains("fake-model") && m.Contains("sdpo, best-of-k"));
        Assert.Contains(lines, m => m.Contains(" started") && m.Contains("fake-model"));
        Assert.Contains(lines, m => m.Contains("ended discovered") && m.Contains("fake-model") && m.Contains("sdpo discovered in 11 attempts")
                                    && m.Contains("best-of-k discovered in 11 attempts") && m.Contains(" s on the worker"));
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public async Task A_shutdown_logs_each_run_it_interrupts()
    {
        var log = new LogCapture();
        Guid id;
        var held = new FakeDiscoveryEngine { DiscoverAt = _ => null, BeforeAttempt = index => index == 3 ? Task.Delay(Timeout.Infinite) : Task.CompletedTask };
        await using (var host = new ServiceHost(_data, held, Information, services: s => s.AddSingleton<ILoggerProvider>(log)))
        {
            id = await ServiceApi.SubmitAsync(host.Client, Request);
            await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("attempts").GetInt32() >= 3);
        }

        Assert.Contains(log.Messages(LogLevel.Information),
            m => m.Contains($"Run {id} interrupted by the shutdown") && m.Contains("method sdpo at 3 attempts") && m.Contains("resumes at the next start"));
    }

    [Fact]
    public async Task A_shutdown_while_the_runs_problem_is_checked_logs_it_interrupted()
    {
        var log = new LogCapture();
        var checks = new HoldingTheWorkersCheck();
        Guid id;
        await using (var host = new ServiceHost(_data, new FakeDiscoveryEngine(), Information, services: s =>
                     {
                         s.AddSingleton<ILoggerProvider>(log);
                         s.AddSingleton<IProblemResolver>(provider => checks.Around(ActivatorUtilities.CreateInstance<ProblemSpecResolver>(provider)));
                     }))
        {
            id = await ServiceApi.SubmitAsync(host.Client, Request);
            // The worker checks the problem again as it takes the run; the shutdown comes meanwhile.
            await checks.WorkerChecking.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await using (var db = Downtime.Open(_data))
            Assert.Equal(RunStatus.Interrupted, (await db.Runs.SingleAsync(r => r.Id == id)).Status);
        Assert.Contains(log.Messages(LogLevel.Information),
            m => m.Contains($"Run {id} interrupted by the shutdown") && m.Contains("resumes at the next start"));
    }

    /// <summary>Lets the submission's check through, and holds the worker's (the second) until its token fires.</summary>
    private sealed class HoldingTheWorkersCheck
    {
        private int _calls;

        public TaskCompletionSource WorkerChecking { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IProblemResolver Around(IProblemResolver inner) => new Resolver(this, inner);

        private sealed class Resolver(HoldingTheWorkersCheck owner, IProblemResolver inner) : IProblemResolver
        {
            public async Task<ResolvedProblem> ResolveAsync(JsonElement problem, CancellationToken cancellationToken)
            {
                if (Interlocked.Increment(ref owner._calls) == 1) return await inner.ResolveAsync(problem, cancellationToken);
                owner.WorkerChecking.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new UnreachableException();
            }
        }
    }
}
