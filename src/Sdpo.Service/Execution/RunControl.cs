using System.Collections.Concurrent;

namespace Sdpo.Service.Execution;

/// <summary>The cancellation handles of runs that are queued or running.</summary>
public sealed class RunControl
{
    private readonly ConcurrentDictionary<Guid, RunHandle> _runs = new();

    public RunHandle Register(Guid runId) => _runs.GetOrAdd(runId, _ => new RunHandle());

    public bool TryGet(Guid runId, out RunHandle handle) => _runs.TryGetValue(runId, out handle!);

    public void Remove(Guid runId)
    {
        if (_runs.TryRemove(runId, out var handle)) handle.Dispose();
    }

    public int Count => _runs.Count;
}

/// <summary>A client's request to cancel one run, as a token the engine watches.</summary>
public sealed class RunHandle : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    public CancellationToken Token => _cancel.Token;

    public bool CancelRequested => _cancel.IsCancellationRequested;

    /// <summary>Why the run waits in its queue rather than runs (its model cannot be loaded); null when it does not.</summary>
    public string? WaitReason
    {
        get => Volatile.Read(ref _waitReason);
        set => Volatile.Write(ref _waitReason, value);
    }

    private string? _waitReason;

    public void RequestCancel()
    {
        try { _cancel.Cancel(); }
        catch (ObjectDisposedException) { /* the run has just ended */ }
    }

    public void Dispose() => _cancel.Dispose();
}
