using System.Collections.Concurrent;
using System.Diagnostics;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// The lines an operator follows runs by, at Information: each run submitted, started, interrupted by a shutdown and
/// ended, with its id, model, methods, outcome and time on the worker. Never one per attempt.
/// </summary>
public sealed class RunActivityLog(ILogger<RunActivityLog> logger)
{
    /// <summary>The runs a worker has taken: their model and when, for the line that ends them.</summary>
    private readonly ConcurrentDictionary<Guid, (string Model, long Since)> _taken = new();

    public void Submitted(Guid runId, string model, string device, IEnumerable<string> methods) =>
        logger.LogInformation("Run {RunId} submitted: model {Model} on {Device}, methods {Methods}", runId, model, device, string.Join(", ", methods));

    /// <summary>A worker took the run (it may yet wait for its model).</summary>
    public void Taken(Guid runId, string model) => _taken[runId] = (model, Stopwatch.GetTimestamp());

    public void Started(Guid runId, string model, string device, IEnumerable<string> methods, bool resumed) =>
        logger.LogInformation("Run {RunId} {Started}: model {Model} on {Device}, methods {Methods}",
            runId, resumed ? "resumed" : "started", model, device, string.Join(", ", methods));

    public void Interrupted(Guid runId, string? method, int attempts)
    {
        var (model, seconds) = Release(runId);
        logger.LogInformation("Run {RunId} interrupted by the shutdown after {Seconds:0.#} s on the worker: model {Model}{Progress}; it resumes at the next start",
            runId, seconds, model, method is null ? ", before it started (while its problem was checked or its model loaded)" : $", method {method} at {attempts} attempts");
    }

    public void Ended(Guid runId, RunStatus status, string? reason, IEnumerable<(string Method, RunStatus Status, int Attempts)> methods, string? model = null)
    {
        var (taken, seconds) = Release(runId);
        logger.LogInformation("Run {RunId} ended {Status} after {Seconds:0.#} s on the worker: model {Model}, {Methods}{Reason}",
            runId, status.ToString().ToLowerInvariant(), seconds, model ?? taken,
            string.Join(", ", methods.Select(m => $"{m.Method} {m.Status.ToString().ToLowerInvariant()} in {m.Attempts} attempts")),
            reason is null ? "" : $" ({reason})");
    }

    private (string Model, double Seconds) Release(Guid runId) =>
        _taken.TryRemove(runId, out var taken) ? (taken.Model, Stopwatch.GetElapsedTime(taken.Since).TotalSeconds) : ("?", 0);
}
