using System.Text.Json.Nodes;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tests.Models;
using Sdpo.TestSupport;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Checkpoints;

/// <summary>Every way a checkpoint can be wrong gives a CheckpointException naming the file or tensor.</summary>
public sealed class CheckpointErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public CheckpointErrorTests()
    {
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        CheckpointWriter.Save(model, _folder.Path);
    }

    private string WeightsPath => _folder.File(CheckpointFiles.Weights);
    private string ConfigPath => _folder.File(CheckpointFiles.Config);

    private CheckpointException LoadFails() => Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(_folder.Path));

    /// <summary>Rewrites model.safetensors after changing its tensors.</summary>
    private void EditWeights(Action<Dictionary<string, Tensor>> edit)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(WeightsPath))
            tensors = file.Entries.Keys.ToDictionary(name => name, file.Read);
        edit(tensors);
        SafetensorsWriter.Write(WeightsPath, tensors);
    }

    private void EditConfig(Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        edit(config);
        File.WriteAllText(ConfigPath, config.ToJsonString());
    }

    [Fact]
    public void MissingFolder()
    {
        var missing = Path.Combine(_folder.Path, "nowhere");
        var error = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void MissingConfig()
    {
        File.Delete(ConfigPath);
        Assert.Contains(ConfigPath, LoadFails().Message);
    }

    [Fact]
    public void MissingWeights()
    {
        File.Delete(WeightsPath);
        Assert.Contains(CheckpointFiles.Weights, LoadFails().Message);
    }

    [Fact]
    public void UnsupportedArchitecture()
    {
        EditConfig(config => config["architectures"] = new JsonArray("MistralForCausalLM"));
        var message = LoadFails().Message;
        Assert.Contains("MistralForCausalLM", message);
        Assert.Contains(ConfigPath, message);
    }

    [Fact]
    public void ConfigFieldOfWrongType()
    {
        EditConfig(config => config["hidden_size"] = "wide");
        var message = LoadFails().Message;
        Assert.Contains("hidden_size", message);
        Assert.Contains(ConfigPath, message);
    }

    [Fact]
    public void MissingTensor()
    {
        EditWeights(tensors => tensors.Remove("model.layers.1.self_attn.q_norm.weight"));
        Assert.Contains("model.layers.1.self_attn.q_norm.weight", LoadFails().Message);
    }

    [Fact]
    public void UnexpectedTensor()
    {
        EditWeights(tensors => tensors["model.layers.0.self_attn.extra.weight"] = zeros(3));
        var message = LoadFails().Message;
        Assert.Contains("model.layers.0.self_attn.extra.weight", message);
        Assert.Contains(WeightsPath, message);
    }

    [Fact]
    public void WrongShape()
    {
        EditWeights(tensors => tensors["model.layers.0.mlp.up_proj.weight"] = zeros(47, 32));
        var message = LoadFails().Message;
        Assert.Contains("model.layers.0.mlp.up_proj.weight", message);
        Assert.Contains("[47, 32]", message);
        Assert.Contains("[48, 32]", message);
    }

    [Fact]
    public void UnsupportedTensorDtype()
    {
        EditWeights(tensors => tensors["model.norm.weight"] = ones(32, dtype: ScalarType.Int8));
        var message = LoadFails().Message;
        Assert.Contains("model.norm.weight", message);
        Assert.Contains("I8", message);
    }

    [Fact]
    public void TruncatedFile()
    {
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..^10]);
        var message = LoadFails().Message;
        Assert.Contains(WeightsPath, message);
        Assert.Contains("truncated", message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'y', (byte)'}' })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0 })]
    public void GarbageFile(byte[] content)
    {
        File.WriteAllBytes(WeightsPath, content);
        Assert.Contains(WeightsPath, LoadFails().Message);
    }

    [Fact]
    public void ShardIndexNamingAMissingShard()
    {
        File.Delete(WeightsPath);
        File.WriteAllText(_folder.File(CheckpointFiles.ShardIndex),
            """{"weight_map": {"model.norm.weight": "model-00001-of-00001.safetensors"}}""");
        Assert.Contains("model-00001-of-00001.safetensors", LoadFails().Message);
    }

    public void Dispose()
    {
        _folder.Dispose();
    }
}
