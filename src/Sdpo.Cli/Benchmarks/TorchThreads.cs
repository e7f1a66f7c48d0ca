using Sdpo.Engine.Runtime;

namespace Sdpo.Cli.Benchmarks;

/// <summary>
/// Sets torch's CPU thread count. LibTorch keeps the OpenMP thread count per OS thread, so it must be set on
/// the device thread that runs the model, not only on the thread that parses the command line.
/// </summary>
public static class TorchThreads
{
    public static async Task ApplyAsync(int? threads, DeviceThread deviceThread)
    {
        if (threads is not { } count) return;
        TorchSharp.torch.set_num_threads(count);
        await deviceThread.RunAsync(() => TorchSharp.torch.set_num_threads(count));
    }

    public static Task SetAsync(DeviceThread deviceThread, int threads) => deviceThread.RunAsync(() => TorchSharp.torch.set_num_threads(threads));

    public static Task<int> ReadAsync(DeviceThread deviceThread) => deviceThread.RunAsync(TorchSharp.torch.get_num_threads);
}
