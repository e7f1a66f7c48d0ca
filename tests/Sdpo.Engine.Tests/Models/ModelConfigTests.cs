using Sdpo.Engine.Models;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Models;

public class ModelConfigTests
{
    [SharedDataFact(TinyModels.Stories260k)]
    public void ReadsStories260kConfig()
    {
        var config = ModelConfig.Load(Path.Combine(TinyModels.Stories260kFolder, "config.json"));
        Assert.Equal(ModelArchitecture.Llama, config.Architecture);
        Assert.Equal((64, 172, 5, 8, 4, 8, 512, 512), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim, config.VocabSize, config.MaxPositionEmbeddings));
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.True(config.TieWordEmbeddings);
        Assert.False(config.QkvBias);
        Assert.Equal(1, config.BosTokenId);
        Assert.Equal([2], config.EosTokenIds);
        Assert.Equal("float32", config.TorchDtype);
    }

    [Fact]
    public void Qwen2HasQkvBiasAndDefaults()
    {
        var config = ModelConfig.Parse("""
            {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 256, "eos_token_id": [7, 8],
             "torch_dtype": "bfloat16"}
            """);
        Assert.True(config.QkvBias);
        Assert.False(config.OutputProjectionBias);
        Assert.False(config.UsesQueryKeyNorm);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal([7, 8], config.EosTokenIds);
        Assert.Null(config.BosTokenId);
        Assert.Equal("bfloat16", config.TorchDtype);
    }

    [Fact]
    public void Qwen3ReadsAttentionBiasAndExplicitHeadDim()
    {
        var config = ModelConfig.Parse("""
            {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 32, "vocab_size": 100,
             "max_position_embeddings": 256, "rope_theta": 1000000, "attention_bias": true}
            """);
        Assert.True(config.UsesQueryKeyNorm);
        Assert.True(config.QkvBias && config.OutputProjectionBias);
        Assert.Equal(32, config.HeadDim);
        Assert.Equal(4, config.KeyValueGroups);
        Assert.Equal(1_000_000.0, config.RopeTheta);
    }

    [Fact]
    public void WrittenConfigParsesBackEqual()
    {
        var config = TinyModels.Qwen3Config() with { EosTokenIds = [2, 3] };
        var reparsed = ModelConfig.Parse(config.ToJson());
        Assert.Equal(config.ToJson(), reparsed.ToJson());
        Assert.Equal(config with { EosTokenIds = reparsed.EosTokenIds }, reparsed);
    }

    [Theory]
    [InlineData("""{"architectures": ["GPT2LMHeadModel"]}""", "GPT2LMHeadModel")]
    [InlineData("""{"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 4}""", "'intermediate_size' is missing")]
    [InlineData("""{"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 1, "num_hidden_layers": 1, "num_attention_heads": 6, "num_key_value_heads": 4, "vocab_size": 5, "max_position_embeddings": 8}""", "num_key_value_heads")]
    [InlineData("""{"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "llama3"}}""", "llama3")]
    [InlineData("not json", "not valid JSON")]
    public void BadConfigNamesTheProblem(string json, string expected)
    {
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(json, "some/config.json"));
        Assert.Contains(expected, error.Message);
        Assert.Contains("some/config.json", error.Message);
    }
}
