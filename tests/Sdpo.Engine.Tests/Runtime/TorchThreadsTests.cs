using Sdpo.TestSupport;
using TorchSharp;

namespace Sdpo.Engine.Tests.Runtime;

/// <summary>Each loaded model runs its torch work with the CPU thread count it was loaded with.</summary>
public sealed class TorchThreadsTests
{
    [Fact]
    public async Task Each_model_runs_with_the_torch_threads_it_was_loaded_with()
    {
        // Three and one: neither is LibTorch's default on a two-core machine, and each model keeps its own.
        using var three = await LanguageModel.LoadAsync("three", Checkout.EmbeddedModel, torchThreads: 3);
        using var one = await LanguageModel.LoadAsync("one", Checkout.EmbeddedModel, torchThreads: 1);

        Assert.Equal(3, three.TorchThreads);
        Assert.Equal(1, one.TorchThreads);
        Assert.Equal(3, await three.Thread.RunAsync(torch.get_num_threads));
        Assert.Equal(1, await one.Thread.RunAsync(torch.get_num_threads));
    }

    [Fact]
    public async Task Fewer_than_one_thread_is_refused_before_anything_loads() =>
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LanguageModel.LoadAsync("none", Checkout.EmbeddedModel, torchThreads: 0));
}
