using Sdpo.Training.Arithmetic;

namespace Sdpo.Service.Tests.Support;

/// <summary>
/// A real checkpoint folder in the embedded model's layout (config.json, model.safetensors, tokenizer.json,
/// tokenizer_config.json), trained for a few seconds with <see cref="PretrainOptions.Quick"/>: tiny and nearly
/// untrained, but loaded and run by the real engine exactly like the shipped model.
/// </summary>
public sealed class TinyArithmeticCheckpoint : IDisposable
{
    public const string ModelName = "tiny-arithmetic";

    public TinyArithmeticCheckpoint()
    {
        Folder = Directory.CreateTempSubdirectory("sdpo-service-tiny-model-").FullName;
        ArithmeticPretrainer.Run(PretrainOptions.Quick(Folder) with { Steps = 10, EvaluateEvery = 10, CheckpointEvery = 10, HeldOutPuzzles = 2 });
    }

    public string Folder { get; }

    /// <summary>Settings that configure this checkpoint as the service's one (default) model.</summary>
    public Dictionary<string, string> Settings(string? path = null) => ModelSettings(ModelName, path ?? Folder);

    public static Dictionary<string, string> ModelSettings(string name, string path) => new()
    {
        ["Models:0:Name"] = name,
        ["Models:0:Path"] = path,
        ["Models:0:Device"] = "cpu",
        ["Models:0:Dtype"] = "float32",
        ["Models:0:Default"] = "true",
    };

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a late handle; the temp folder is cleaned eventually */ }
    }
}
