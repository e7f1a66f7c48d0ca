using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;

namespace Sdpo.Cli.Benchmarks;

/// <summary>A model under benchmark with the device thread that owns its tensors.</summary>
public sealed class BenchModel : IDisposable
{
    private BenchModel(string name, CausalLM model, DeviceThread thread)
    {
        Name = name;
        Model = model;
        Thread = thread;
        ParameterCount = model.parameters().Sum(p => p.numel());
    }

    public string Name { get; }
    public CausalLM Model { get; }
    public DeviceThread Thread { get; }
    public long ParameterCount { get; }

    /// <summary>A checkpoint folder in Hugging Face layout (weights only; benchmarks feed token ids directly).</summary>
    public static async Task<BenchModel> LoadAsync(string name, string folder)
    {
        if (!File.Exists(Path.Combine(folder, "config.json")))
            throw new BenchmarkInputException($"Model folder {Path.GetFullPath(folder)} has no config.json.");
        return await CreateAsync(name, () => CheckpointLoader.Load(folder));
    }

    /// <summary>A Qwen3 shape with seeded random weights: costs are those of a trained model of the same shape.</summary>
    public static Task<BenchModel> RandomAsync(string name, ModelConfig config, long seed) =>
        CreateAsync(name, () =>
        {
            var model = new CausalLM(config);
            model.InitializeWeights(seed);
            return model;
        });

    private static async Task<BenchModel> CreateAsync(string name, Func<CausalLM> build)
    {
        var thread = new DeviceThread(TorchSharp.torch.CPU, $"bench-{name}");
        try
        {
            var model = await thread.RunAsync(() =>
            {
                var built = build();
                built.eval();
                return built;
            });
            return new BenchModel(name, model, thread);
        }
        catch
        {
            thread.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Thread.RunAsync(() => Model.Dispose()).GetAwaiter().GetResult();
        Thread.Dispose();
    }
}
