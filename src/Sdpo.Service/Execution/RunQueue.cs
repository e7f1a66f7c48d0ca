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
    /// <summary>The runs in a queue that no worker has taken yet, with their queue.</summary>
    private readonly ConcurrentDictionary<Guid, DeviceQueue> _waiting = new();
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
        _waiting[runId] = queue;
        queue.Channel.Writer.TryWrite(runId);
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
        _waiting[runId] = queue;
        _ = Task.Delay(delay, stopping).ContinueWith(_ => queue.Channel.Writer.TryWrite(runId),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Takes a run that no worker has taken yet out of its queue, freeing its place; false when a worker
    /// has it (or it is not queued).</summary>
    public bool TryWithdraw(Guid runId)
    {
        if (!_waiting.TryRemove(runId, out var queue)) return false;
        Interlocked.Decrement(ref queue.Count);
        return true;
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
    }
}
