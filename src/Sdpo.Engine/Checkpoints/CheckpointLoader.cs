using System.Text.Json;
using Sdpo.Engine.Models;
using static TorchSharp.torch;

namespace Sdpo.Engine.Checkpoints;

/// <summary>
/// Loads a Hugging Face checkpoint folder (config.json plus model.safetensors, or shards listed in
/// model.safetensors.index.json) into a <see cref="CausalLM"/>. Loading is strict: every model tensor must be
/// present with the right shape and no unknown tensor may remain (a tied lm_head is simply absent). Weights
/// stored as F32, BF16, F16 or F64 are converted to the requested dtype.
/// </summary>
public static class CheckpointLoader
{
    public static CausalLM Load(string folder, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var config = LoadConfig(folder);
        var model = new CausalLM(config, dtype, device);
        try
        {
            LoadWeights(model, folder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public static ModelConfig LoadConfig(string folder)
    {
        if (!Directory.Exists(folder)) throw new CheckpointException($"Checkpoint folder '{folder}' does not exist.");
        return ModelConfig.Load(Path.Combine(folder, CheckpointFiles.Config));
    }

    /// <summary>Copies the folder's weights into an existing model of the same shape.</summary>
    public static void LoadWeights(CausalLM model, string folder)
    {
        var expected = model.state_dict();
        var tensorFiles = TensorFiles(folder);
        var loaded = new HashSet<string>();
        using var noGrad = no_grad();
        foreach (var (file, names) in tensorFiles)
        {
            using var safetensors = SafetensorsFile.Open(file);
            var notInFile = names?.FirstOrDefault(name => !safetensors.Entries.ContainsKey(name));
            if (notInFile is not null)
                throw new CheckpointException($"Tensor '{notInFile}' is listed for '{file}' in the shard index but is not in that file.");
            foreach (var (name, entry) in safetensors.Entries)
            {
                if (IsRedundant(name, model.Config)) continue;
                if (names is not null && !names.Contains(name))
                    throw new CheckpointException($"Unexpected tensor '{name}' in '{file}': the shard index does not list it for that file.");
                if (!expected.TryGetValue(name, out var target))
                    throw new CheckpointException($"Unexpected tensor '{name}' in '{file}': the {model.Config.Architecture} model has no such weight.");
                if (!entry.Shape.SequenceEqual(target.shape))
                    throw new CheckpointException(
                        $"Tensor '{name}' in '{file}' has shape {entry.ShapeText} but the model expects [{string.Join(", ", target.shape)}].");
                if (!SafetensorsDtype.IsFloatingPoint(entry.Dtype))
                    throw new CheckpointException(
                        $"Tensor '{name}' in '{file}' is stored as {SafetensorsDtype.ToCode(entry.Dtype)}; only F32, BF16, F16 and F64 weights are supported.");
                using var scope = NewDisposeScope();
                target.copy_(safetensors.Read(name).to(target.dtype).to(target.device));
                loaded.Add(name);
            }
        }
        var missing = expected.Keys.Where(name => !loaded.Contains(name)).ToList();
        if (missing.Count > 0)
            throw new CheckpointException(
                $"Checkpoint '{folder}' lacks {missing.Count} tensor(s) the model needs: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}.");
    }

    /// <summary>Entries that carry no information: a tied output head saved anyway, stale rotary tables.</summary>
    private static bool IsRedundant(string name, ModelConfig config) =>
        (config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>The weight files with, for sharded checkpoints, the tensor names the index assigns to each.</summary>
    private static List<(string File, HashSet<string>? Names)> TensorFiles(string folder)
    {
        var single = Path.Combine(folder, CheckpointFiles.Weights);
        var index = Path.Combine(folder, CheckpointFiles.ShardIndex);
        if (File.Exists(single)) return [(single, null)];
        if (!File.Exists(index))
            throw new CheckpointException($"Checkpoint '{folder}' has neither '{CheckpointFiles.Weights}' nor '{CheckpointFiles.ShardIndex}'.");

        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(index));
            weightMap = document.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? throw new FormatException($"'{p.Name}' maps to null"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"Shard index '{index}' is malformed: {e.Message}", e);
        }
        return weightMap.GroupBy(pair => pair.Value, pair => pair.Key)
            .Select(group =>
            {
                if (group.Key.Contains('/') || group.Key.Contains('\\') || group.Key.Contains(".."))
                    throw new CheckpointException($"Shard index '{index}' names a file outside the folder: '{group.Key}'.");
                return (Path.Combine(folder, group.Key), (HashSet<string>?)group.ToHashSet());
            })
            .ToList();
    }
}
