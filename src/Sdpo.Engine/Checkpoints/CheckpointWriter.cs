using Sdpo.Engine.Models;

namespace Sdpo.Engine.Checkpoints;

/// <summary>Saves a model as a Hugging Face checkpoint folder: config.json (torch_dtype set to the model's
/// dtype) and one model.safetensors holding every weight (no lm_head when embeddings are tied).</summary>
public static class CheckpointWriter
{
    public static void Save(CausalLM model, string folder)
    {
        Directory.CreateDirectory(folder);
        var config = model.Config with { TorchDtype = ModelDtype.Name(model.Dtype) };
        SafetensorsWriter.Write(Path.Combine(folder, CheckpointFiles.Weights), model.state_dict());
        config.Save(Path.Combine(folder, CheckpointFiles.Config));
    }
}
