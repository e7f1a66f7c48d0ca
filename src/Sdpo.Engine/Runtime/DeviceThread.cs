using System.Collections.Concurrent;
using TorchSharp;

namespace Sdpo.Engine.Runtime;

/// <summary>
/// One dedicated OS thread that runs every torch operation for one device. TorchSharp's dispose scopes,
/// no_grad and inference modes are thread-local and do not survive an <c>await</c>, so callers post work
/// here instead of touching tensors on thread-pool threads. Each work item runs inside its own dispose
/// scope; tensors that must outlive it are moved out with <c>MoveToOuterDisposeScope</c> by the caller.
/// </summary>
public sealed class DeviceThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public DeviceThread(torch.Device device, string? name = null)
    {
        NativeAllocatorTuning.Apply();
        Device = device;
        _thread = new Thread(Run) { IsBackground = true, Name = name ?? $"torch-{device}" };
        _thread.Start();
    }

    public torch.Device Device { get; }

    /// <summary>True when the calling code already runs on this device thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (IsCurrent)
        {
            // Re-entrant call: run inline rather than deadlock on our own queue.
            Execute(work, completion, cancellationToken);
            return completion.Task;
        }
        try
        {
            _work.Add(() => Execute(work, completion, cancellationToken), cancellationToken);
        }
        catch (InvalidOperationException)
        {
            completion.SetException(new ObjectDisposedException(nameof(DeviceThread)));
        }
        catch (OperationCanceledException e)
        {
            completion.SetCanceled(e.CancellationToken);
        }
        return completion.Task;
    }

    public Task RunAsync(Action work, CancellationToken cancellationToken = default) =>
        RunAsync(() => { work(); return true; }, cancellationToken);

    private static void Execute<T>(Func<T> work, TaskCompletionSource<T> completion, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            completion.SetCanceled(cancellationToken);
            return;
        }
        try
        {
            using var scope = torch.NewDisposeScope();
            completion.SetResult(work());
        }
        catch (OperationCanceledException e) when (e.CancellationToken == cancellationToken)
        {
            completion.SetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            completion.SetException(e);
        }
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (!IsCurrent) _thread.Join();
        _work.Dispose();
    }
}
