using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Sdpo.Service.Execution;

/// <summary>
/// Live fan-out of the events of runs that are queued or running. It also holds each active run's events that
/// the background writer has not saved yet, so a subscriber that reads the database after subscribing sees
/// every event exactly once: saved ones from the database, unsaved ones from the snapshot, later ones live.
/// </summary>
public sealed class RunEventHub
{
    private readonly ConcurrentDictionary<Guid, ActiveRun> _runs = new();

    /// <summary>Marks a run as active (queued or running): subscribers from now on wait for its live events.</summary>
    public void Activate(Guid runId) => _runs.GetOrAdd(runId, _ => new ActiveRun());

    public bool IsActive(Guid runId) => _runs.ContainsKey(runId);

    public void Publish(Guid runId, StoredEvent storedEvent)
    {
        var run = _runs.GetOrAdd(runId, _ => new ActiveRun());
        lock (run)
        {
            run.Unsaved.Add(storedEvent);
            foreach (var subscriber in run.Subscribers) subscriber.Writer.TryWrite(storedEvent);
        }
    }

    /// <summary>Called by the writer once every event up to <paramref name="sequence"/> is in the database.</summary>
    public void MarkSaved(Guid runId, long sequence)
    {
        if (!_runs.TryGetValue(runId, out var run)) return;
        lock (run) run.Unsaved.RemoveAll(e => e.Sequence <= sequence);
    }

    /// <summary>The run has ended (or was interrupted) and everything it reported is saved: live streams end.</summary>
    public void Complete(Guid runId)
    {
        if (!_runs.TryRemove(runId, out var run)) return;
        lock (run)
        {
            run.Completed = true;
            foreach (var subscriber in run.Subscribers) subscriber.Writer.TryComplete();
            run.Subscribers.Clear();
        }
    }

    /// <summary>Subscribes to a run's live events; for an inactive run the subscription is empty and complete.</summary>
    public Subscription Subscribe(Guid runId)
    {
        var channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });
        if (!_runs.TryGetValue(runId, out var run))
        {
            channel.Writer.TryComplete();
            return new Subscription(this, runId, [], channel, isLive: false);
        }
        lock (run)
        {
            if (run.Completed)
            {
                channel.Writer.TryComplete();
                return new Subscription(this, runId, [], channel, isLive: false);
            }
            run.Subscribers.Add(channel);
            return new Subscription(this, runId, run.Unsaved.ToList(), channel, isLive: true);
        }
    }

    public int SubscriberCount => _runs.Values.Sum(r => { lock (r) return r.Subscribers.Count; });

    private void Unsubscribe(Guid runId, Channel<StoredEvent> channel)
    {
        if (!_runs.TryGetValue(runId, out var run)) return;
        lock (run) run.Subscribers.Remove(channel);
    }

    private sealed class ActiveRun
    {
        public List<StoredEvent> Unsaved { get; } = [];
        public List<Channel<StoredEvent>> Subscribers { get; } = [];
        public bool Completed { get; set; }
    }

    public sealed class Subscription : IDisposable
    {
        private readonly RunEventHub _hub;
        private readonly Guid _runId;
        private readonly Channel<StoredEvent> _channel;

        internal Subscription(RunEventHub hub, Guid runId, IReadOnlyList<StoredEvent> unsaved, Channel<StoredEvent> channel, bool isLive)
        {
            _hub = hub;
            _runId = runId;
            Unsaved = unsaved;
            _channel = channel;
            IsLive = isLive;
        }

        /// <summary>Events published before subscribing that were not saved yet.</summary>
        public IReadOnlyList<StoredEvent> Unsaved { get; }

        /// <summary>False when the run was not active: the database holds all of its events.</summary>
        public bool IsLive { get; }

        public ChannelReader<StoredEvent> Live => _channel.Reader;

        public void Dispose() => _hub.Unsubscribe(_runId, _channel);
    }
}
