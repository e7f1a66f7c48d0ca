using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Sdpo.Service.Execution;

/// <summary>
/// Live fan-out of the events of runs that are queued or running. The background writer publishes an event once it
/// is saved, so a subscriber that reads the database after subscribing sees every event, and only saved ones: those
/// saved before from the database, later ones live (the overlap is told apart by sequence number).
/// </summary>
public sealed class RunEventHub
{
    private readonly ConcurrentDictionary<Guid, ActiveRun> _runs = new();

    /// <summary>Marks a run as active (queued or running): subscribers from now on wait for its live events.</summary>
    public void Activate(Guid runId) => _runs.GetOrAdd(runId, _ => new ActiveRun());

    public bool IsActive(Guid runId) => _runs.ContainsKey(runId);

    /// <summary>Called by the writer once the event is in the database.</summary>
    public void Publish(Guid runId, StoredEvent storedEvent)
    {
        // A run that is not active has no live subscribers: they read its events from the database.
        if (!_runs.TryGetValue(runId, out var run)) return;
        lock (run)
        {
            foreach (var subscriber in run.Subscribers) subscriber.Writer.TryWrite(storedEvent);
        }
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
            return new Subscription(this, runId, channel, isLive: false);
        }
        lock (run)
        {
            if (run.Completed)
            {
                channel.Writer.TryComplete();
                return new Subscription(this, runId, channel, isLive: false);
            }
            run.Subscribers.Add(channel);
            return new Subscription(this, runId, channel, isLive: true);
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
        public List<Channel<StoredEvent>> Subscribers { get; } = [];
        public bool Completed { get; set; }
    }

    public sealed class Subscription : IDisposable
    {
        private readonly RunEventHub _hub;
        private readonly Guid _runId;
        private readonly Channel<StoredEvent> _channel;

        internal Subscription(RunEventHub hub, Guid runId, Channel<StoredEvent> channel, bool isLive)
        {
            _hub = hub;
            _runId = runId;
            _channel = channel;
            IsLive = isLive;
        }

        /// <summary>False when the run was not active: the database holds all of its events.</summary>
        public bool IsLive { get; }

        public ChannelReader<StoredEvent> Live => _channel.Reader;

        public void Dispose() => _hub.Unsubscribe(_runId, _channel);
    }
}
