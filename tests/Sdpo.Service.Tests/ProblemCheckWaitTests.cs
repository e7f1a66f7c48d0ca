using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Service.Problems;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>
/// Every endpoint that takes problems awaits their check (a python or p3 spec's runs python3, the first one after the
/// sandbox's probe of up to 20 s) with the request's token: no thread waits meanwhile, and a client that goes stops the
/// check. The resolver here waits until its token fires, so nothing depends on how fast the machine is.
/// </summary>
public sealed class ProblemCheckWaitTests : IDisposable
{
    private const string Arithmetic = """{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("/solve", $$"""{"problem": {{Arithmetic}}}""")]
    [InlineData("/benchmarks", $$"""{"problems": [{{Arithmetic}}], "seeds": 1}""")]
    [InlineData("/teacher-advantage", $$"""{"cases": [{"problem": {{Arithmetic}}, "answer": "3*5+7", "attempt": "3+5+7"}]}""")]
    public async Task A_submission_waiting_for_its_problems_check_is_let_go_with_the_check_when_the_client_goes(string path, string body)
    {
        var resolver = new WaitingResolver();
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine(), services: s => s.AddSingleton<IProblemResolver>(resolver));
        using var client = new CancellationTokenSource();

        var response = host.Client.PostAsync(path, ServiceApi.Json(body), client.Token);
        await resolver.Checking.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(response.IsCompleted);

        client.Cancel();
        // Only the request's token ends the check: with any other, it would wait for ever.
        await resolver.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => response);
        await using var db = Downtime.Open(_data);
        Assert.Equal(0, await db.Runs.CountAsync());
        Assert.Equal(0, await db.Benchmarks.CountAsync());
    }

    /// <summary>A check that goes on until its token fires.</summary>
    private sealed class WaitingResolver : IProblemResolver
    {
        public TaskCompletionSource Checking { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<ResolvedProblem> ResolveAsync(JsonElement problem, CancellationToken cancellationToken)
        {
            Checking.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Stopped.TrySetResult();
            }
            throw new UnreachableException();
        }
    }
}
