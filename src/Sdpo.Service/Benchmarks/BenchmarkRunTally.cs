using Sdpo.Service.Persistence;

namespace Sdpo.Service.Benchmarks;

/// <summary>
/// A benchmark's runs of one purpose (its own, or selection's sampling runs), counted the one way that GET
/// /benchmarks/{id}'s progress and the events' counts both use. Planned: every row, submitted or not (selection plans
/// a problem's next sampling run only once its last has ended, so only the benchmark's own plan is whole). Submitted:
/// those given a run. Ended: those with an outcome (a run that ended, or one failed unsubmitted because its problem no
/// longer resolved); Cancelled and Discoveries are among those, Attempts their attempts.
/// </summary>
public readonly record struct BenchmarkRunTally(int Planned, int Submitted, int Ended, int Cancelled, int Discoveries, long Attempts)
{
    public static BenchmarkRunTally Of(IEnumerable<BenchmarkRunEntity> rows, string purpose)
    {
        var mine = rows.Where(r => r.Purpose == purpose).ToList();
        var ended = mine.Where(r => r.Status is not null).ToList();
        return new BenchmarkRunTally(mine.Count, mine.Count(r => r.RunId is not null), ended.Count,
            ended.Count(r => r.Status == RunStatus.Cancelled), ended.Count(r => r.Status == RunStatus.Discovered), ended.Sum(r => (long)r.Attempts));
    }
}
