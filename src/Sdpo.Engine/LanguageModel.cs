using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.Prompting;
using static TorchSharp.torch;

namespace Sdpo.Engine;

/// <summary>
/// A loaded checkpoint ready for discovery: the model, its tokenizer, how a user prompt becomes model input,
/// and the one thread that may run its torch work.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    public LanguageModel(string name, CausalLM model, ITextTokenizer tokenizer, PromptFormat format, DeviceThread thread, SdpoOptions? sdpoDefaults = null)
    {
        Name = name;
        SdpoDefaults = sdpoDefaults ?? new SdpoOptions();
        Model = model;
        Tokenizer = tokenizer;
        Format = format;
        Thread = thread;
    }

    public string Name { get; }
    public CausalLM Model { get; }
    public ITextTokenizer Tokenizer { get; }
    public PromptFormat Format { get; }
    public DeviceThread Thread { get; }
    public int ContextLength => Model.Config.MaxPositionEmbeddings;

    /// <summary>The SDPO options of a request that sets none: the checkpoint's own recommendation
    /// (<see cref="Discovery.SdpoDefaults.FileName"/>) over the paper's defaults.</summary>
    public SdpoOptions SdpoDefaults { get; }

    /// <summary>
    /// Loads a checkpoint folder (config.json, safetensors weights, tokenizer.json or tokenizer.model, and
    /// sdpo_defaults.json where the folder recommends SDPO options) onto a device, on a new device thread that then owns every torch operation on the model.
    /// </summary>
    public static async Task<LanguageModel> LoadAsync(string name, string folder, string device = "cpu", ScalarType dtype = ScalarType.Float32)
    {
        var tokenizer = TokenizerLoader.Load(folder);
        var sdpoDefaults = Discovery.SdpoDefaults.Load(folder);
        var format = PromptFormat.ForCheckpoint(folder);
        var thread = new DeviceThread(new Device(device), $"torch-{name}");
        try
        {
            var model = await thread.RunAsync(() =>
            {
                var loaded = CheckpointLoader.Load(folder, dtype, thread.Device);
                loaded.eval();
                return loaded;
            });
            return new LanguageModel(name, model, tokenizer, format, thread, sdpoDefaults);
        }
        catch
        {
            thread.Dispose();
            throw;
        }
    }

    /// <summary>The token ids the model continues for a raw user prompt (formatted, BOS where the model uses one).</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt) => Format.Encode(Tokenizer, prompt);

    public void Dispose()
    {
        Thread.RunAsync(() => Model.Dispose()).GetAwaiter().GetResult();
        Thread.Dispose();
    }
}
