using System.Text.Json;
using System.Text.Json.Nodes;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Metrics;
using Sdpo.Service.Persistence;

namespace Sdpo.Service.Execution;

/// <summary>
/// Numbers and records the events of one execution of a run (the writer streams each once it is saved). On a
/// resume it knows which attempts and steps were already reported, so the engine's repeat of the interrupted step
/// updates those rows without reporting them twice.
/// </summary>
public sealed class RunRecorder
{
    private readonly Guid _runId;
    private readonly RunWriter _writer;
    private readonly ServiceMetrics _metrics;
    private readonly Dictionary<string, MethodTally> _tallies;
    private long _sequence;

    public RunRecorder(Guid runId, long lastSequence, Dictionary<string, MethodTally> tallies, RunWriter writer, ServiceMetrics metrics)
    {
        _runId = runId;
        _sequence = lastSequence;
        _tallies = tallies;
        _writer = writer;
        _metrics = metrics;
    }

    public MethodTally Tally(string method) =>
        _tallies.TryGetValue(method, out var tally) ? tally : _tallies[method] = new MethodTally();

    public void Record(string method, DiscoveryEvent discoveryEvent)
    {
        var now = DateTimeOffset.UtcNow;
        var tally = Tally(method);
        switch (discoveryEvent)
        {
            case AttemptEvaluated attempt:
                _metrics.AttemptEvaluated(attempt.TokenCount);
                tally.Attempts = Math.Max(tally.Attempts, attempt.Index + 1);
                if (!tally.ReportedAttempts.Add(attempt.Index))
                {
                    _writer.Enqueue(new EventWrite(_runId, method, attempt, Stored: null, now));
                    return;
                }
                tally.Tokens += attempt.TokenCount;
                break;
            case StepCompleted step:
                var t = step.Timings;
                _metrics.StepCompleted((t.SamplingMs + t.VerifyingMs + t.TeacherMs + t.UpdateMs) / 1000.0);
                if (!tally.ReportedSteps.Add(step.Step))
                {
                    _writer.Enqueue(new EventWrite(_runId, method, step, Stored: null, now));
                    return;
                }
                break;
        }
        var stored = new StoredEvent(++_sequence, discoveryEvent.Name, Serialize(method, discoveryEvent), discoveryEvent.IsFinal);
        _writer.Enqueue(new EventWrite(_runId, method, discoveryEvent, stored, now));
    }

    /// <summary>The run's <c>ended</c> event, numbered after every event recorded so far, for its <see cref="RunFinishedWrite"/>.</summary>
    public StoredEvent End(RunStatus status, string? reason, IReadOnlyList<RunEndedMethod> methods) =>
        new RunEnded(status, reason, methods).ToStored(++_sequence);

    /// <summary>The SSE data of an event: the engine's event with its "type" and the method it belongs to.</summary>
    public static string Serialize(string method, DiscoveryEvent discoveryEvent)
    {
        var node = JsonSerializer.SerializeToNode(discoveryEvent, ServiceJson.Options)!.AsObject();
        node.Insert(Math.Min(1, node.Count), "method", method);
        return node.ToJsonString(ServiceJson.Options);
    }
}

/// <summary>What one method of a run has reported so far.</summary>
public sealed class MethodTally
{
    public int Attempts { get; set; }
    public long Tokens { get; set; }
    public HashSet<int> ReportedAttempts { get; } = [];
    public HashSet<int> ReportedSteps { get; } = [];
}
