namespace Sdpo.Engine.Checkpoints;

/// <summary>The file names of a Hugging Face checkpoint folder.</summary>
public static class CheckpointFiles
{
    public const string Config = "config.json";
    public const string Weights = "model.safetensors";
    public const string ShardIndex = "model.safetensors.index.json";
}
