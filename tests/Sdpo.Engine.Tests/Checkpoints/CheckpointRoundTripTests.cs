using System.Text.Json.Nodes;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tests.Models;
using Sdpo.TestSupport;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Checkpoints;

public class CheckpointRoundTripTests
{
    public static TheoryData<string> Configs => new() { "qwen3", "qwen2" };

    private static ModelConfig Config(string kind) => kind == "qwen3" ? TinyModels.Qwen3Config() : TinyModels.Qwen2Config();

    [Theory]
    [MemberData(nameof(Configs))]
    public void SavedModelLoadsWithIdenticalLogits(string kind)
    {
        using var folder = new TemporaryFolder();
        using var original = TinyModels.Random(Config(kind));
        CheckpointWriter.Save(original, folder.Path);

        using var loaded = CheckpointLoader.Load(folder.Path);

        Assert.Equal(original.Config.ToJson(), loaded.Config.ToJson());
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = KvCacheTests.Ids(TinyModels.RandomIds(9, original.Config.VocabSize, 4));
        Assert.True(Tensors.Identical(original.Forward(ids), loaded.Forward(ids)), "logits differ after a save/load round trip");
    }

    [Fact]
    public void WrittenConfigIsHuggingFaceLayout()
    {
        var json = JsonNode.Parse(TinyModels.Qwen2Config().ToJson())!;
        Assert.Equal("Qwen2ForCausalLM", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("qwen2", json["model_type"]!.GetValue<string>());
        Assert.Equal(2, json["num_key_value_heads"]!.GetValue<int>());
        Assert.Equal(2, json["eos_token_id"]!.GetValue<int>());
        Assert.False(json["tie_word_embeddings"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void HalfPrecisionTensorsLoadIntoFloat32(ScalarType stored)
    {
        using var folder = new TemporaryFolder();
        using var half = TinyModels.Random(TinyModels.Qwen2Config(), dtype: stored);
        CheckpointWriter.Save(half, folder.Path);

        using var loaded = CheckpointLoader.Load(folder.Path, ScalarType.Float32);

        var expected = half.state_dict();
        foreach (var (name, tensor) in loaded.state_dict())
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            Assert.True(Tensors.Identical(expected[name].to(ScalarType.Float32), tensor), $"{name} differs from its {stored} original");
        }
    }

    [Fact]
    public void ShardedCheckpointLoads()
    {
        using var folder = new TemporaryFolder();
        using var original = TinyModels.Random(TinyModels.Qwen2Config());
        var tensors = original.state_dict().ToList();
        var shards = new[] { tensors.Take(tensors.Count / 2).ToList(), tensors.Skip(tensors.Count / 2).ToList() };
        var weightMap = new JsonObject();
        for (var i = 0; i < shards.Length; i++)
        {
            var file = $"model-{i + 1:00000}-of-00002.safetensors";
            SafetensorsWriter.Write(folder.File(file), shards[i]);
            foreach (var (name, _) in shards[i]) weightMap[name] = file;
        }
        File.WriteAllText(folder.File(CheckpointFiles.ShardIndex), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());
        original.Config.Save(folder.File(CheckpointFiles.Config));

        using var loaded = CheckpointLoader.Load(folder.Path);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = KvCacheTests.Ids(TinyModels.RandomIds(6, original.Config.VocabSize, 5));
        Assert.True(Tensors.Identical(original.Forward(ids), loaded.Forward(ids)));
    }

    [Fact]
    public void SafetensorsRoundTripKeepsDtypeShapeAndBytes()
    {
        using var folder = new TemporaryFolder();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["b.float"] = randn(3, 5),
            ["a.bf16"] = randn(4).to(ScalarType.BFloat16),
            ["c.int64"] = arange(6).reshape(2, 3),
            ["d.empty"] = zeros(0, 4),
        };
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "x" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a.bf16", "b.float", "c.int64", "d.empty"], file.Entries.Keys.Order());
        Assert.Equal("x", file.Metadata["note"]);
        foreach (var (name, expected) in tensors)
        {
            var actual = file.Read(name);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(Tensors.Identical(expected, actual), name);
        }
    }
}
