using Sdpo.Engine.Lora;
using Sdpo.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

/// <summary>The adapter on the real decoder (the other LoRA tests use a stand-in module tree).</summary>
public class LoraOnCausalLmTests
{
    [Fact]
    public void AFreshAdapterLeavesLogitsUnchangedAndTrainsOnlyItself()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        var ids = tensor(TinyModels.RandomIds(12, model.Config.VocabSize, seed: 3).Select(i => (long)i).ToArray()).reshape(1, 12);
        var plain = model.Forward(ids);

        using var adapter = LoraAdapter.Create(model, new LoraOptions(), seed: 1);
        Assert.Equal(7 * model.Config.NumHiddenLayers, adapter.ModulePaths.Count);
        Assert.Contains("model.layers.0.self_attn.q_proj", adapter.ModulePaths);
        using (adapter.Attach(model))
        {
            Assert.True(model.Forward(ids).equal(plain).all().item<bool>());

            var loss = model.Forward(ids).log_softmax(-1).select(-1, 0).mean();
            loss.backward();
            Assert.All(model.parameters(), p => Assert.Null(p.grad));
            Assert.Contains(adapter.Parameters, p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
        }
        Assert.True(model.Forward(ids).equal(plain).all().item<bool>());
    }

    [Fact]
    public void PeftExportOfTheRealModelUsesPeftTensorNames()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var adapter = LoraAdapter.Create(model, new LoraOptions { Rank = 4 }, seed: 2);
        var files = PeftAdapterFormat.Export(adapter, "tiny-qwen3");
        using var imported = PeftAdapterFormat.Import(files, model);
        Assert.Equal(adapter.ModulePaths, imported.ModulePaths);
        Assert.Equal("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", PeftAdapterFormat.TensorNameB("model.layers.1.mlp.down_proj"));
        string header = System.Text.Encoding.UTF8.GetString(files.AdapterModelSafetensors, 8, 4000);
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", header);
    }
}
