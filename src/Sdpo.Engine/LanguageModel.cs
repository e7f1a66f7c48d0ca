using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.Engine.Tokenization.SentencePiece;
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

    /// <summary>The checkpoint folder it was loaded from, as a full path (null for a model built in memory). An exported
    /// PEFT adapter names it as its base_model_name_or_path, which PEFT's from_pretrained can load (a model's configured
    /// name, such as "arithmetic", is neither a Hugging Face Hub id nor a folder).</summary>
    public string? Folder { get; private init; }

    /// <summary>LibTorch's CPU threads for this model's torch work (set per device thread).</summary>
    public int TorchThreads { get; private init; }

    /// <summary>
    /// Loads a checkpoint folder (config.json, safetensors weights, tokenizer.json or tokenizer.model, and
    /// sdpo_defaults.json where the folder recommends SDPO options) onto a device, on a new device thread that then owns every torch operation on the model.
    /// </summary>
    /// <param name="torchThreads">LibTorch's CPU threads for this model (null: LibTorch's default, one per core, or the
    /// last count set in the process, which LibTorch gives threads that start later). On a small model, and on a
    /// machine whose cores are shared, one is often fastest (docs/benchmarks.md).</param>
    public static async Task<LanguageModel> LoadAsync(string name, string folder, string device = "cpu", ScalarType dtype = ScalarType.Float32,
        int? torchThreads = null)
    {
        if (torchThreads is < 1) throw new ArgumentOutOfRangeException(nameof(torchThreads), torchThreads, "A model needs at least one torch thread.");
        var tokenizer = TokenizerLoader.Load(folder);
        CheckVocabulary(tokenizer, CheckpointLoader.LoadConfig(folder), folder);
        var sdpoDefaults = Discovery.SdpoDefaults.Load(folder);
        var format = PromptFormat.ForCheckpoint(folder);
        var thread = new DeviceThread(new Device(device), $"torch-{name}");
        try
        {
            var (model, threads) = await thread.RunAsync(() =>
            {
                // LibTorch keeps the thread count per OS thread, so it is set on the thread that runs the model.
                if (torchThreads is { } count) set_num_threads(count);
                var loaded = CheckpointLoader.Load(folder, dtype, thread.Device);
                loaded.eval();
                return (loaded, get_num_threads());
            });
            return new LanguageModel(name, model, tokenizer, format, thread, sdpoDefaults) { TorchThreads = threads, Folder = Path.GetFullPath(folder) };
        }
        catch
        {
            thread.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="CheckpointException"/> when the tokenizer can produce an id the model has no embedding for:
    /// a tokenizer from another model, which would otherwise load and then fail every prompt. A model's vocabulary larger
    /// than its tokenizer's is normal (Qwen pads its embeddings to a multiple of 128).</summary>
    private static void CheckVocabulary(ITextTokenizer tokenizer, ModelConfig config, string folder)
    {
        if (tokenizer.VocabularySize <= config.VocabSize) return;
        var tokenizerFile = tokenizer is SentencePieceTextTokenizer ? SentencePieceTextTokenizer.FileName : TokenizerJsonFile.FileName;
        throw new CheckpointException(
            $"The tokenizer {Path.Combine(folder, tokenizerFile)} has {tokenizer.VocabularySize} tokens but {CheckpointFiles.Config}'s vocab_size is " +
            $"{config.VocabSize}: ids {config.VocabSize} and above have no embedding. The tokenizer belongs to another model; put this model's own in the folder.");
    }

    /// <summary>The token ids the model continues for a raw user prompt (formatted, BOS where the model uses one).</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt) => Format.Encode(Tokenizer, prompt);

    public void Dispose()
    {
        Thread.RunAsync(() => Model.Dispose()).GetAwaiter().GetResult();
        Thread.Dispose();
    }
}
