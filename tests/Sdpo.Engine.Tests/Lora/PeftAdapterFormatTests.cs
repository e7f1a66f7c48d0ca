using System.Text;
using System.Text.Json.Nodes;
using Sdpo.Engine.Lora;
using Sdpo.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

public sealed class PeftAdapterFormatTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sdpo-peft-" + Guid.NewGuid().ToString("N"));
    private readonly TinyAdaptableModel _model = new();
    private readonly LoraAdapter _adapter;

    public PeftAdapterFormatTests()
    {
        _adapter = LoraAdapter.Create(_model, seed: 9);
        LoraAdapterTests.Randomize(_adapter, 91);
    }

    public void Dispose()
    {
        _adapter.Dispose();
        _model.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void SaveThenLoadRoundTripsBitExactly()
    {
        PeftAdapterFormat.Save(_adapter, _folder, "Qwen/Qwen3-0.6B");
        using var loaded = PeftAdapterFormat.Load(_folder, _model);

        Assert.Equal(_adapter.Options, loaded.Options);
        Assert.Equal(_adapter.ModulePaths, loaded.ModulePaths);
        Assert.All(loaded.Parameters.Zip(_adapter.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
        Assert.All(loaded.Parameters, p => Assert.True(p.requires_grad));

        using var input = _model.Input();
        using var expected = Forward(_adapter, input);
        using var actual = Forward(loaded, input);
        Assert.True(Bits.Same(expected, actual));
    }

    [Fact]
    public void SaveReplacesAnEarlierFolderWholeRatherThanWritingIntoIt()
    {
        // What a reader of the folder must never see, as a save writing in place would leave it when cut off.
        Directory.CreateDirectory(Path.Combine(_folder, PeftAdapterFormat.WeightsFileName));
        File.WriteAllText(Path.Combine(_folder, PeftAdapterFormat.ConfigFileName), "{}");

        PeftAdapterFormat.Save(_adapter, _folder);

        using var loaded = PeftAdapterFormat.Load(_folder, _model);
        Assert.Equal(_adapter.ModulePaths, loaded.ModulePaths);
        Assert.Equal([Path.GetFileName(_folder)], Directory.GetFileSystemEntries(Path.GetDirectoryName(_folder)!, Path.GetFileName(_folder) + "*").Select(Path.GetFileName));
    }

    [Fact]
    public void FilesKeysAndConfigAreExactlyPeftS()
    {
        PeftAdapterFormat.Save(_adapter, _folder, "Qwen/Qwen3-0.6B");
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"],
            Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var (headerLength, header, data) = SafetensorsTestFile.Parse(File.ReadAllBytes(Path.Combine(_folder, "adapter_model.safetensors")));
        Assert.Equal(0UL, (8 + headerLength) % 8);
        Assert.Equal("""{"format":"pt"}""", header["__metadata__"]!.ToJsonString());
        var expectedKeys = Enumerable.Range(0, 2)
            .SelectMany(i => new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj" }
                .Select(kind => $"base_model.model.model.layers.{i}.{kind}"))
            .SelectMany(prefix => new[] { prefix + ".lora_A.weight", prefix + ".lora_B.weight" })
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expectedKeys, header.Where(e => e.Key != "__metadata__").Select(e => e.Key).ToArray());

        long offset = 0;
        foreach (var key in expectedKeys)
        {
            var entry = header[key]!;
            Assert.Equal("F32", (string)entry["dtype"]!);
            var offsets = entry["data_offsets"]!.AsArray().Select(o => (long)o!).ToArray();
            Assert.Equal(offset, offsets[0]);
            offset = offsets[1];
        }
        Assert.Equal(offset, data.Length);
        Assert.Equal("[8,16]", header["base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight"]!["shape"]!.ToJsonString());
        Assert.Equal("[16,8]", header["base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"]!["shape"]!.ToJsonString());
        Assert.Equal("[8,24]", header["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"]!["shape"]!.ToJsonString());

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string)config["peft_type"]!);
        Assert.Equal("CAUSAL_LM", (string)config["task_type"]!);
        Assert.Equal("Qwen/Qwen3-0.6B", (string)config["base_model_name_or_path"]!);
        Assert.Equal(8, (int)config["r"]!);
        Assert.Equal("16", config["lora_alpha"]!.ToJsonString());
        Assert.Equal(0.0, (double)config["lora_dropout"]!);
        Assert.Equal("none", (string)config["bias"]!);
        Assert.False((bool)config["fan_in_fan_out"]!);
        Assert.True((bool)config["inference_mode"]!);
        Assert.False((bool)config["use_dora"]!);
        Assert.False((bool)config["use_rslora"]!);
        Assert.Null(config["modules_to_save"]);
        Assert.Equal("""["q_proj","k_proj","v_proj","o_proj","gate_proj","up_proj","down_proj"]""", config["target_modules"]!.ToJsonString());
        // Every key is a LoraConfig field that PEFT 0.9 and later accept; sorted as PEFT writes them.
        string[] peftFields =
        [
            "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode", "init_lora_weights",
            "layers_pattern", "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core",
            "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora",
        ];
        Assert.Equal(peftFields, config.Select(e => e.Key).ToArray());
    }

    [Fact]
    public void AnAdapterOnSomeLayersRoundTripsThroughPeftsLayersToTransform()
    {
        using var adapter = LoraAdapter.Create(_model, new LoraOptions { LayersToTransform = [1] }, seed: 9);
        Assert.Equal(7, adapter.ModulePaths.Count);
        Assert.All(adapter.ModulePaths, path => Assert.StartsWith("model.layers.1.", path));

        PeftAdapterFormat.Save(adapter, _folder);
        var configPath = Path.Combine(_folder, "adapter_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        Assert.Equal("[1]", config["layers_to_transform"]!.ToJsonString());
        using (var loaded = PeftAdapterFormat.Load(_folder, _model))
        {
            Assert.Equal(adapter.Options, loaded.Options);
            Assert.Equal(adapter.ModulePaths, loaded.ModulePaths);
        }

        config["layers_to_transform"] = 1; // PEFT also accepts one index on its own
        File.WriteAllText(configPath, config.ToJsonString());
        using var single = PeftAdapterFormat.Load(_folder, _model);
        Assert.Equal(adapter.ModulePaths, single.ModulePaths);
    }

    [SharedDataFact("models/stories260k/model.safetensors")]
    public void WeightsHeaderIsByteForByteWhatPythonSafetensorsWrites()
    {
        // The rule (compact JSON, "__metadata__" first, tensors by name, space padding to 8 bytes) is first
        // checked on a real file written by the Python safetensors library, then on ours.
        var real = File.ReadAllBytes(SharedData.Require("models/stories260k/model.safetensors"));
        Assert.Equal(PythonStyleHeader(real), RawHeader(real));
        var ours = PeftAdapterFormat.Export(_adapter).AdapterModelSafetensors;
        Assert.Equal(PythonStyleHeader(ours), RawHeader(ours));
    }

    private static string RawHeader(byte[] file) => Encoding.UTF8.GetString(file, 8, (int)SafetensorsTestFile.Parse(file).HeaderLength);

    private static string PythonStyleHeader(byte[] file)
    {
        var header = SafetensorsTestFile.Parse(file).Header;
        var canonical = new JsonObject { ["__metadata__"] = header["__metadata__"]!.DeepClone() };
        foreach (var (name, entry) in header.Where(e => e.Key != "__metadata__").OrderBy(e => e.Key, StringComparer.Ordinal))
            canonical[name] = entry!.DeepClone();
        var json = canonical.ToJsonString();
        return json.PadRight((json.Length + 7) / 8 * 8);
    }

    [Fact]
    public void ExportToBytesImportsLikeTheFolder()
    {
        var files = PeftAdapterFormat.Export(_adapter);
        Assert.Null(JsonNode.Parse(files.AdapterConfigJson)!["base_model_name_or_path"]);
        using var loaded = PeftAdapterFormat.Import(files, _model);
        Assert.All(loaded.Parameters.Zip(_adapter.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
    }

    [Fact]
    public void ImportsAForeignFileWithOtherOrderNoPaddingAndBfloat16Weights()
    {
        var files = PeftAdapterFormat.Export(_adapter);
        var tensors = SafetensorsTestFile.Tensors(files.AdapterModelSafetensors);
        var bf16 = tensors.AsEnumerable().Reverse().Select(t =>
        {
            using var source = tensor(MemoryMarshalFloats(t.Bytes), t.Shape).to(ScalarType.BFloat16);
            return t with { DType = "BF16", Bytes = source.bytes.ToArray() };
        });

        using var loaded = PeftAdapterFormat.Import(files with { AdapterModelSafetensors = SafetensorsTestFile.Build(bf16) }, _model);

        foreach (var (path, pair) in loaded.Layers)
        {
            Assert.Equal(ScalarType.Float32, pair.A.dtype);
            using var expected = _adapter.Layers[path].A.detach().to(ScalarType.BFloat16).to(ScalarType.Float32);
            Assert.True(Bits.Same(expected, pair.A));
        }
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "missing tensor", "'base_model.model.model.layers.1.mlp.up_proj.lora_B.weight'" },
        { "unexpected tensor", "'base_model.model.lm_head.lora_A.weight'" },
        { "rank differs from config", "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'" },
        { "config r differs", "r = 4" },
        { "wrong peft_type", "'peft_type'" },
        { "dora", "'use_dora'" },
        { "regex target_modules", "'target_modules'" },
        { "non-positive alpha", "'lora_alpha'" },
        { "config not json", "adapter_config.json is not valid JSON" },
        { "truncated weights", "adapter_model.safetensors is not a valid safetensors file" },
        { "header length too large", "header length" },
        { "offsets outside data", "data_offsets" },
        { "integer dtype", "dtype I32" },
        { "layers_to_transform of names", "'layers_to_transform'" },
        { "layers_to_transform without a layer the weights hold", "unexpected tensor 'base_model.model.model.layers.1." },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void DamagedOrMismatchedFilesGiveAClearError(string damage, string named)
    {
        var files = Corrupt(PeftAdapterFormat.Export(_adapter), damage);
        var error = Assert.Throws<AdapterException>(() => PeftAdapterFormat.Import(files, _model));
        Assert.Contains(named, error.Message);
        Assert.All(_model.named_modules().Select(m => m.module).OfType<AdaptableLinear>(), layer => Assert.Null(layer.Lora));
    }

    [Fact]
    public void ImportIntoAModelWithOtherShapesNamesTheTensor()
    {
        var files = PeftAdapterFormat.Export(_adapter);
        using var wider = new TinyAdaptableModel(intermediate: 20);
        var error = Assert.Throws<AdapterException>(() => PeftAdapterFormat.Import(files, wider));
        Assert.Contains("'base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight'", error.Message);
        Assert.Contains("[20, 8]", error.Message);

        using var deeper = new TinyAdaptableModel(layers: 3);
        error = Assert.Throws<AdapterException>(() => PeftAdapterFormat.Import(files, deeper));
        Assert.Contains("missing tensor 'base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight'", error.Message);
    }

    [Fact]
    public void LoadFromAFolderWithoutWeightsNamesTheFile()
    {
        PeftAdapterFormat.Save(_adapter, _folder);
        File.Delete(Path.Combine(_folder, "adapter_model.safetensors"));
        var error = Assert.Throws<AdapterException>(() => PeftAdapterFormat.Load(_folder, _model));
        Assert.Contains("adapter_model.safetensors", error.Message);
    }

    private static PeftAdapterFiles Corrupt(PeftAdapterFiles files, string damage)
    {
        var tensors = SafetensorsTestFile.Tensors(files.AdapterModelSafetensors);
        var config = JsonNode.Parse(files.AdapterConfigJson)!.AsObject();
        byte[] Weights(IEnumerable<SafetensorsTestFile.Tensor> t) => SafetensorsTestFile.Build(t);
        PeftAdapterFiles WithConfig(Action<JsonObject> edit)
        {
            edit(config);
            return files with { AdapterConfigJson = Encoding.UTF8.GetBytes(config.ToJsonString()) };
        }
        var qA = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
        return damage switch
        {
            "missing tensor" => files with { AdapterModelSafetensors = Weights(tensors.Where(t => t.Name != "base_model.model.model.layers.1.mlp.up_proj.lora_B.weight")) },
            "unexpected tensor" => files with
            {
                AdapterModelSafetensors = Weights(tensors.Append(new SafetensorsTestFile.Tensor("base_model.model.lm_head.lora_A.weight", "F32", [8, 16], new byte[8 * 16 * 4]))),
            },
            "rank differs from config" => files with
            {
                AdapterModelSafetensors = Weights(tensors.Select(t => t.Name == qA ? t with { Shape = [4, 16], Bytes = t.Bytes[..(4 * 16 * 4)] } : t)),
            },
            "config r differs" => WithConfig(c => c["r"] = 4),
            "wrong peft_type" => WithConfig(c => c["peft_type"] = "IA3"),
            "dora" => WithConfig(c => c["use_dora"] = true),
            "regex target_modules" => WithConfig(c => c["target_modules"] = ".*proj"),
            "non-positive alpha" => WithConfig(c => c["lora_alpha"] = 0),
            "config not json" => files with { AdapterConfigJson = Encoding.UTF8.GetBytes("{\"peft_type\": \"LORA\", ") },
            "truncated weights" => files with { AdapterModelSafetensors = files.AdapterModelSafetensors[..^100] },
            "header length too large" => files with { AdapterModelSafetensors = [.. BitConverter.GetBytes(1UL << 40), .. files.AdapterModelSafetensors[8..]] },
            "offsets outside data" => files with
            {
                AdapterModelSafetensors = SafetensorsTestFile.Assemble(
                    Encoding.UTF8.GetBytes("{\"" + qA + "\":{\"dtype\":\"F32\",\"shape\":[8,16],\"data_offsets\":[0,512]}}"), new byte[100]),
            },
            "integer dtype" => files with { AdapterModelSafetensors = Weights(tensors.Select(t => t.Name == qA ? t with { DType = "I32" } : t)) },
            "layers_to_transform of names" => WithConfig(c => c["layers_to_transform"] = new JsonArray("first")),
            "layers_to_transform without a layer the weights hold" => WithConfig(c => c["layers_to_transform"] = new JsonArray(0)),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
    }

    private Tensor Forward(LoraAdapter adapter, Tensor input)
    {
        using var attachment = adapter.Attach(_model);
        return _model.forward(input);
    }

    private static float[] MemoryMarshalFloats(byte[] bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
