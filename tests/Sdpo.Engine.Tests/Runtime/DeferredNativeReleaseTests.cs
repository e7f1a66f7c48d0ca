using System.Collections.Concurrent;
using Sdpo.NativeRelease;

namespace Sdpo.Engine.Tests.Runtime;

public unsafe class DeferredNativeReleaseTests
{
    private static readonly ConcurrentDictionary<IntPtr, int> Freed = new();

    // Handles no native object has: only this class's free function ever sees them.
    private static IntPtr NewFakeHandle() => (IntPtr)(0x7E57_0000_0000L + Random.Shared.NextInt64(1L << 32));

    private static void CountFree(IntPtr handle) => Freed.AddOrUpdate(handle, 1, (_, n) => n + 1);

    private static IntPtr FreeFunction => (IntPtr)(delegate*<IntPtr, void>)&CountFree;

    [Fact]
    public void An_explicit_dispose_frees_at_once()
    {
        var handle = NewFakeHandle();

        DeferredNativeRelease.Release(handle, disposing: true, FreeFunction);

        Assert.Equal(1, Freed.GetValueOrDefault(handle));
    }

    [Fact]
    public void A_finalizer_frees_once_after_the_grace_period_and_not_before_and_a_null_handle_never()
    {
        var handle = NewFakeHandle();

        DeferredNativeRelease.Release(IntPtr.Zero, disposing: false, FreeFunction);
        DeferredNativeRelease.ReleaseLater(IntPtr.Zero, FreeFunction);
        DeferredNativeRelease.Release(handle, disposing: false, FreeFunction);
        DeferredNativeRelease.ReleaseDue();
        Assert.Equal(0, Freed.GetValueOrDefault(handle));

        // The sweeper runs on its own every quarter second.
        var deadline = DateTime.UtcNow + DeferredNativeRelease.GracePeriod + TimeSpan.FromSeconds(10);
        while (Freed.GetValueOrDefault(handle) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Thread.Sleep(600);

        Assert.Equal(1, Freed.GetValueOrDefault(handle));
        // Had the null handles passed before it been queued, they would have been freed by now.
        Assert.False(Freed.ContainsKey(IntPtr.Zero));
    }
}
