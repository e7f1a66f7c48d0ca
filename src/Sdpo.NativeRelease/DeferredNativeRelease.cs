using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sdpo.NativeRelease;

/// <summary>
/// Frees the native objects of finalized TorchSharp scalars and tensors a grace period after their finalizer ran, not
/// at once. TorchSharp passes an object's native pointer to libtorch and may stop referencing the managed object
/// before libtorch has read it: it makes such scalars itself for every implicit conversion (the alpha of each tensor
/// addition, AdamW's step sizes), and a tensor made outside a dispose scope is dropped as soon as its handle is
/// passed on. A garbage collection during that native call ran the finalizer, which freed the object while libtorch
/// was reading it ("Expected false to be true" from <c>Scalar::toFloat</c>, "Unknown scalar type", a Scalar overflow,
/// a crash, or a wrong value without an error). The build rewrites the free in <c>Scalar</c>'s and <c>Tensor</c>'s
/// <c>Dispose(bool)</c> to call <see cref="Release"/> (build/TorchSharpPatcher): an explicit Dispose still frees at
/// once, and a native call would have to stall for the whole grace period between reading a dead object's pointer
/// and using it to be hit.
/// </summary>
public static unsafe class DeferredNativeRelease
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);
    private static readonly long GraceTicks = (long)(GracePeriod.TotalSeconds * Stopwatch.Frequency);
    private static readonly ConcurrentQueue<PendingRelease> Pending = new();
    private static readonly Lock SweepLock = new();
    private static readonly Timer Sweeper = new(_ => ReleaseDue(), null, SweepInterval, SweepInterval);

    private static long _deferred;

    /// <summary>Native objects waiting for their grace period to pass.</summary>
    public static int PendingCount => Pending.Count;

    /// <summary>Native objects queued since the process started (a patched TorchSharp raises it with every finalized scalar).</summary>
    public static long DeferredCount => Interlocked.Read(ref _deferred);

    /// <summary>
    /// What the patched TorchSharp calls instead of freeing <paramref name="handle"/>: at once from an explicit Dispose
    /// (<paramref name="disposing"/>), else after the grace period (<see cref="ReleaseLater"/>).
    /// </summary>
    public static void Release(IntPtr handle, bool disposing, IntPtr release)
    {
        if (disposing) ((delegate*<IntPtr, void>)release)(handle);
        else ReleaseLater(handle, release);
    }

    /// <summary>
    /// Queues <paramref name="handle"/> to be passed to <paramref name="release"/> (a pointer to a static method taking
    /// the handle, such as TorchSharp's P/Invoke <c>THSTorch_dispose_scalar</c>) once the grace period has passed.
    /// Called from finalizers, so it neither blocks nor throws.
    /// </summary>
    public static void ReleaseLater(IntPtr handle, IntPtr release)
    {
        if (handle == IntPtr.Zero || release == IntPtr.Zero) return;
        Pending.Enqueue(new PendingRelease(handle, release, Stopwatch.GetTimestamp() + GraceTicks));
        Interlocked.Increment(ref _deferred);
    }

    /// <summary>Frees every queued object whose grace period has passed; returns how many.</summary>
    public static int ReleaseDue()
    {
        if (!SweepLock.TryEnter()) return 0;
        try
        {
            int released = 0;
            long now = Stopwatch.GetTimestamp();
            // One sweeper at a time, so the object peeked at is the one dequeued.
            while (Pending.TryPeek(out var next) && next.DueTimestamp <= now && Pending.TryDequeue(out next))
            {
                ((delegate*<IntPtr, void>)next.Release)(next.Handle);
                released++;
            }
            return released;
        }
        finally
        {
            SweepLock.Exit();
        }
    }

    private readonly record struct PendingRelease(IntPtr Handle, IntPtr Release, long DueTimestamp);
}
