namespace Sdpo.Service.Benchmarks;

/// <summary>Wakes the coordinator when there is new work, and event readers when new benchmark events are saved.</summary>
public sealed class BenchmarkSignals
{
    private readonly SemaphoreSlim _work = new(0, 1);
    private TaskCompletionSource _events = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void WakeCoordinator()
    {
        try { _work.Release(); }
        catch (SemaphoreFullException) { /* already woken */ }
    }

    /// <summary>Waits for a wake-up or the timeout, whichever comes first.</summary>
    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _work.WaitAsync(timeout, cancellationToken);

    /// <summary>Completes at the next <see cref="EventsSaved"/>; take it before reading, so nothing saved in between is missed.</summary>
    public Task NextEvents => Volatile.Read(ref _events).Task;

    public void EventsSaved() =>
        Interlocked.Exchange(ref _events, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
