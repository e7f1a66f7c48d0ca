using System.Globalization;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Metrics;
using Sdpo.Service.Api;
using Sdpo.Service.Execution;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>The benchmark's report from its stored runs: the selected problems, and every main run that has ended.</summary>
public static class BenchmarkResults
{
    /// <summary>Null while no run of the benchmark proper has ended, unless <paramref name="allowEmpty"/>.</summary>
    public static BenchmarkReport? Build(BenchmarkRequest request, IEnumerable<BenchmarkProblemEntity> problems, IEnumerable<BenchmarkRunEntity> runs,
        bool allowEmpty = false)
    {
        var ended = runs.Where(r => r.Purpose == BenchmarkRunEntity.MainPurpose && r.Status is not null).ToList();
        if (ended.Count == 0 && !allowEmpty) return null;
        return BenchmarkReport.Build(
            problems.Where(p => p.Selected == true).OrderBy(p => p.Index).Select(p => new BenchmarkProblem(Id(p.Index), p.Label, p.BasePassAtK)).ToList(),
            request.Methods!.Select(m => m.ToWire()).ToList(),
            ended.Select(Outcome),
            request.Budget!.MaxAttempts);
    }

    public static string Id(int problemIndex) => problemIndex.ToString(CultureInfo.InvariantCulture);

    private static BenchmarkRunOutcome Outcome(BenchmarkRunEntity run)
    {
        bool completed = run.Status is RunStatus.Discovered or RunStatus.Exhausted;
        return new BenchmarkRunOutcome(Id(run.ProblemIndex), run.Method, run.Seed,
            run.Status == RunStatus.Discovered ? run.AttemptsToDiscovery : null, run.Attempts, completed, run.Seconds);
    }
}
