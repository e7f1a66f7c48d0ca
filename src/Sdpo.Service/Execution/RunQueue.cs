using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Execution;

/// <summary>One bounded queue of run ids per device, in front of that device's worker.</summary>
public sealed class RunQueue
{
    private readonly ConcurrentDictionary<string, DeviceQueue> _queues;
    /// <summary>The runs in a queue that no worker has taken yet, with their queue and their place in it.</summary>
    private readonly ConcurrentDictionary<Guid, Waiting> _waiting = new();
    private readonly int _capacity;

    public RunQueue(IEngineProvider engines, IOptions<ServiceOptions> options)
    {
        _capacity = options.Value.QueueCapacity;
        _queues = new ConcurrentDictionary<string, DeviceQueue>(
            engines.Models.Select(m => m.Device).Distinct().Select(d => KeyValuePair.Create(d, new DeviceQueue())));
    }

    public IReadOnlyCollection<string> Devices => _queues.Keys.ToList();

    /// <summary>Runs waiting for a worker on a device (including slots reserved by submissions in progress).</summary>
    public int Length(string device) => _queues.TryGetValue(device, out var queue) ? Volatile.Read(ref queue.Count) : 0;

    public int TotalLength => _queues.Values.Sum(q => Volatile.Read(ref q.Count));

    /// <summary>Takes a place in the device's queue, or returns false when it is full.</summary>
    public bool TryReserve(string device)
    {
        var queue = Get(device);
        while (true)
        {
            var count = Volatile.Read(ref queue.Count);
            if (count >= _capacity) return false;
            if (Interlocked.CompareExchange(ref queue.Count, count + 1, count) == count) return true;
        }
    }

    /// <summary>Gives back a reserved place that will not be used.</summary>
    public void Release(string device) => Interlocked.Decrement(ref Get(device).Count);

    /// <summary>Queues a run into a place taken with <see cref="TryReserve"/>.</summary>
    public void Enqueue(string device, Guid runId)
    {
        var queue = Get(device);
        var waiting = _waiting[runId] = new Waiting(queue);
        queue.Write(runId, waiting);
    }

    /// <summary>Queues a recovered run at start, past the capacity: it was accepted before the restart.</summary>
    public void EnqueueRecovered(string device, Guid runId)
    {
        var queue = Get(device);
        Interlocked.Increment(ref queue.Count);
        Enqueue(device, runId);
    }

    /// <summary>Puts a run a worker had taken back in the device's queue, past the capacity (it was accepted), to be
    /// handed out again once <paramref name="delay"/> has passed; it holds its place meanwhile, and can be withdrawn.
    /// A stop before then leaves it to the next start's recovery.</summary>
    public void Requeue(string device, Guid runId, TimeSpan delay, CancellationToken stopping)
    {
        var queue = Get(device);
        Interlocked.Increment(ref queue.Count);
        var waiting = _waiting[runId] = new Waiting(queue);
        _ = Task.Delay(delay, stopping).ContinueWith(_ => queue.Write(runId, waiting),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Takes a run that no worker has taken yet out of its queue, freeing its place; false when a worker
    /// has it (or it is not queued).</summary>
    public bool TryWithdraw(Guid runId)
    {
        if (!_waiting.TryRemove(runId, out var waiting)) return false;
        Interlocked.Decrement(ref waiting.Queue.Count);
        return true;
    }

    /// <summary>Where a run stands in its device's queue, 1 being the next one a worker takes; null when it is not
    /// waiting there. A run waiting to try its model again stands behind the runs queued until it is put back.</summary>
    public int? Position(Guid runId)
    {
        if (!_waiting.TryGetValue(runId, out var run)) return null;
        var ticket = Volatile.Read(ref run.Ticket);
        return 1 + _waiting.Values.Count(other => other.Queue == run.Queue && Volatile.Read(ref other.Ticket) < ticket);
    }

    /// <summary>Waits for the next run of a device; its place is freed as it is handed out. Withdrawn runs are skipped.</summary>
    public async ValueTask<Guid> DequeueAsync(string device, CancellationToken cancellationToken)
    {
        var queue = Get(device);
        while (true)
        {
            var runId = await queue.Channel.Reader.ReadAsync(cancellationToken);
            // Whoever removes the run from the waiting runs has it: this worker, or a cancel that withdrew it.
            if (!_waiting.TryRemove(runId, out _)) continue;
            Interlocked.Decrement(ref queue.Count);
            return runId;
        }
    }

    private DeviceQueue Get(string device) =>
        _queues.TryGetValue(device, out var queue) ? queue : throw new InvalidOperationException($"No worker serves device '{device}'.");

    private sealed class DeviceQueue
    {
        public readonly Channel<Guid> Channel = System.Threading.Channels.Channel.CreateUnbounded<Guid>();
        public int Count;
        private long _tickets;

        /// <summary>Numbers the run as it enters the channel, in channel order: its position counts the runs numbered before it.</summary>
        public void Write(Guid runId, Waiting waiting)
        {
            lock (this)
            {
                Volatile.Write(ref waiting.Ticket, ++_tickets);
                Channel.Writer.TryWrite(runId);
            }
        }
    }

    private sealed class Waiting(DeviceQueue queue)
    {
        public readonly DeviceQueue Queue = queue;
        /// <summary>Its number in the queue's channel; the largest until it is written there.</summary>
        public long Ticket = long.MaxValue;
    }
}
