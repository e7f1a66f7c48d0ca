using System.Text.Json;
using Sdpo.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// Hugging Face PEFT's on-disk LoRA layout, so a discovered adapter loads with
/// <c>PeftModel.from_pretrained</c> or vLLM's LoRA support: <c>adapter_config.json</c> plus
/// <c>adapter_model.safetensors</c> holding float32 tensors named
/// <c>base_model.model.{module path}.lora_A.weight</c> / <c>.lora_B.weight</c>. Import checks the files against
/// the base model and reports the first problem as an <see cref="AdapterException"/> naming the tensor or field.
/// </summary>
public static class PeftAdapterFormat
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";
    private const string KeyPrefix = "base_model.model.";

    public static string TensorNameA(string modulePath) => $"{KeyPrefix}{modulePath}.lora_A.weight";
    public static string TensorNameB(string modulePath) => $"{KeyPrefix}{modulePath}.lora_B.weight";

    public static PeftAdapterFiles Export(LoraAdapter adapter, string? baseModelNameOrPath = null)
    {
        var tensors = adapter.ModulePaths.SelectMany(path => new[]
        {
            (TensorNameA(path), (Tensor)adapter.Layers[path].A),
            (TensorNameB(path), (Tensor)adapter.Layers[path].B),
        });
        var weights = LoraSafetensors.Write(tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return new PeftAdapterFiles(WriteConfig(adapter.Options, baseModelNameOrPath), weights);
    }

    /// <summary>Writes the adapter to <paramref name="folder"/> whole (<see cref="AtomicFolder"/>), replacing an earlier
    /// one there: a reader of the folder (a service serving it, say) never finds one file without the other or a torn one.</summary>
    public static void Save(LoraAdapter adapter, string folder, string? baseModelNameOrPath = null)
    {
        var files = Export(adapter, baseModelNameOrPath);
        AtomicFolder.Write(folder, staging =>
        {
            File.WriteAllBytes(Path.Combine(staging, ConfigFileName), files.AdapterConfigJson);
            File.WriteAllBytes(Path.Combine(staging, WeightsFileName), files.AdapterModelSafetensors);
        });
    }

    public static LoraAdapter Load(string folder, nn.Module baseModel)
    {
        var configPath = Path.Combine(folder, ConfigFileName);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        foreach (var path in new[] { configPath, weightsPath })
            if (!File.Exists(path)) throw new AdapterException($"Adapter file {path} does not exist.");
        return Import(new PeftAdapterFiles(File.ReadAllBytes(configPath), File.ReadAllBytes(weightsPath)), baseModel);
    }

    /// <summary>
    /// An adapter for <paramref name="baseModel"/> from PEFT files: every layer the config targets must have both
    /// tensors with shapes that fit the base layer and the config's rank, and no other tensor may be present.
    /// F16/BF16/F64 weights are widened or narrowed to float32; tensors go to the base layer's device.
    /// </summary>
    public static LoraAdapter Import(PeftAdapterFiles files, nn.Module baseModel)
    {
        var options = ReadConfig(files.AdapterConfigJson);
        var entries = LoraSafetensors.Read(files.AdapterModelSafetensors, WeightsFileName)
            .ToDictionary(entry => entry.Name, StringComparer.Ordinal);

        var targets = AdaptableLayers.Targeted(baseModel, options);
        if (targets.Count == 0)
            throw new AdapterException(
                $"{ConfigFileName}: target_modules [{string.Join(", ", options.TargetModules)}] match no adaptable layer of the base model.");

        var plan = new List<(string Path, AdaptableLinear Layer, LoraSafetensors.Entry A, LoraSafetensors.Entry B)>();
        foreach (var (path, layer) in targets)
        {
            var a = Required(entries, TensorNameA(path));
            var b = Required(entries, TensorNameB(path));
            RequireShape(a, [options.Rank, layer.InFeatures], path, options.Rank);
            RequireShape(b, [layer.OutFeatures, options.Rank], path, options.Rank);
            plan.Add((path, layer, a, b));
        }
        var expected = plan.SelectMany(step => new[] { step.A.Name, step.B.Name }).ToHashSet(StringComparer.Ordinal);
        var unexpected = entries.Keys.Where(name => !expected.Contains(name)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (unexpected is not null)
            throw new AdapterException(
                $"{WeightsFileName}: unexpected tensor '{unexpected}': it is not the lora_A/lora_B weight of a base-model layer named in target_modules.");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var layers = plan.Select(step => (
                step.Path,
                Load(files.AdapterModelSafetensors, step.A, step.Layer),
                Load(files.AdapterModelSafetensors, step.B, step.Layer)))
            .ToList();
        return LoraAdapter.FromTensors(options, layers);
    }

    private static Tensor Load(byte[] file, LoraSafetensors.Entry entry, AdaptableLinear layer) =>
        LoraSafetensors.ToTensor(file, entry).to(ScalarType.Float32).to(layer.Weight.device);

    private static LoraSafetensors.Entry Required(Dictionary<string, LoraSafetensors.Entry> entries, string name) =>
        entries.TryGetValue(name, out var entry)
            ? entry
            : throw new AdapterException($"{WeightsFileName}: missing tensor '{name}'.");

    private static void RequireShape(LoraSafetensors.Entry entry, long[] expected, string path, int rank)
    {
        if (entry.Shape.SequenceEqual(expected)) return;
        var rankAxis = entry.Name.EndsWith(".lora_A.weight", StringComparison.Ordinal) ? 0 : 1;
        var why = entry.Shape.Length == 2 && entry.Shape[rankAxis] != rank
            ? $"its rank {entry.Shape[rankAxis]} differs from r = {rank} in {ConfigFileName}"
            : $"base layer '{path}' needs [{string.Join(", ", expected)}]";
        throw new AdapterException($"{WeightsFileName}: tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}]; {why}.");
    }

    // Field names and defaults of PEFT's LoraConfig, keys sorted as PEFT's save_pretrained writes them.
    private static byte[] WriteConfig(LoraOptions options, string? baseModelNameOrPath)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("alpha_pattern");
            json.WriteEndObject();
            json.WriteNull("auto_mapping");
            if (baseModelNameOrPath is null) json.WriteNull("base_model_name_or_path");
            else json.WriteString("base_model_name_or_path", baseModelNameOrPath);
            json.WriteString("bias", "none");
            json.WriteBoolean("fan_in_fan_out", false);
            json.WriteBoolean("inference_mode", true);
            json.WriteBoolean("init_lora_weights", true);
            json.WriteNull("layers_pattern");
            if (options.LayersToTransform is null) json.WriteNull("layers_to_transform");
            else
            {
                json.WriteStartArray("layers_to_transform");
                foreach (var layer in options.LayersToTransform) json.WriteNumberValue(layer);
                json.WriteEndArray();
            }
            json.WriteStartObject("loftq_config");
            json.WriteEndObject();
            WriteNumber(json, "lora_alpha", options.Alpha);
            json.WriteNumber("lora_dropout", options.Dropout);
            json.WriteNull("megatron_config");
            json.WriteString("megatron_core", "megatron.core");
            json.WriteNull("modules_to_save");
            json.WriteString("peft_type", "LORA");
            json.WriteNumber("r", options.Rank);
            json.WriteStartObject("rank_pattern");
            json.WriteEndObject();
            json.WriteNull("revision");
            json.WriteStartArray("target_modules");
            foreach (var target in options.TargetModules) json.WriteStringValue(target);
            json.WriteEndArray();
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteBoolean("use_dora", false);
            json.WriteBoolean("use_rslora", false);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        // PEFT configs carry an integer lora_alpha; keep 16 as 16, not 16.0.
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15) json.WriteNumber(name, (long)value);
        else json.WriteNumber(name, value);
    }

    private static LoraOptions ReadConfig(byte[] configJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(configJson);
        }
        catch (JsonException e)
        {
            throw new AdapterException($"{ConfigFileName} is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Field("(root)", "must be a JSON object");

            var peftType = Optional(root, "peft_type");
            if (peftType is not { ValueKind: JsonValueKind.String } || peftType.Value.GetString() != "LORA")
                throw Field("peft_type", $"must be \"LORA\" (got {Describe(peftType)})");

            var r = Optional(root, "r");
            if (r is not { ValueKind: JsonValueKind.Number } || !r.Value.TryGetInt32(out var rank) || rank < 1)
                throw Field("r", $"must be a positive integer (got {Describe(r)})");

            var alpha = Optional(root, "lora_alpha");
            if (alpha is not { ValueKind: JsonValueKind.Number } || !(alpha.Value.GetDouble() is var alphaValue && alphaValue > 0 && double.IsFinite(alphaValue)))
                throw Field("lora_alpha", $"must be a positive number (got {Describe(alpha)})");

            var targets = Optional(root, "target_modules");
            if (targets is { ValueKind: JsonValueKind.String })
                throw Field("target_modules", "is a regular expression; only a list of module names is supported");
            if (targets is not { ValueKind: JsonValueKind.Array } || targets.Value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                throw Field("target_modules", $"must be a list of module names (got {Describe(targets)})");
            var targetModules = targets.Value.EnumerateArray().Select(t => t.GetString()!).ToList();

            var dropout = 0.0;
            if (Optional(root, "lora_dropout") is { ValueKind: not JsonValueKind.Null } dropoutElement)
            {
                if (dropoutElement.ValueKind != JsonValueKind.Number) throw Field("lora_dropout", $"must be a number (got {Describe(dropoutElement)})");
                dropout = dropoutElement.GetDouble();
            }

            RequireAbsentOr(root, "bias", e => e.ValueKind == JsonValueKind.String && e.GetString() == "none", "\"none\"");
            RequireAbsentOr(root, "fan_in_fan_out", e => e.ValueKind == JsonValueKind.False, "false");
            RequireAbsentOr(root, "use_dora", e => e.ValueKind == JsonValueKind.False, "false");
            RequireAbsentOr(root, "use_rslora", e => e.ValueKind == JsonValueKind.False, "false");
            RequireAbsentOr(root, "rank_pattern", IsEmptyObject, "empty");
            RequireAbsentOr(root, "alpha_pattern", IsEmptyObject, "empty");
            RequireAbsentOr(root, "modules_to_save", IsEmptyArray, "empty");
            var layers = LayersToTransform(root);

            try
            {
                return new LoraOptions { Rank = rank, Alpha = alphaValue, TargetModules = targetModules, Dropout = dropout, LayersToTransform = layers }.Validate();
            }
            catch (AdapterException e)
            {
                throw new AdapterException($"{ConfigFileName}: {e.Message}", e);
            }
        }
    }

    /// <summary>PEFT's layers_to_transform: absent, null or [] adapt every layer; one index or a list of them.</summary>
    private static IReadOnlyList<int>? LayersToTransform(JsonElement root)
    {
        var value = Optional(root, "layers_to_transform");
        if (value is null || value.Value.ValueKind == JsonValueKind.Null || IsEmptyArray(value.Value)) return null;
        if (value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out var single)) return [single];
        if (value.Value.ValueKind == JsonValueKind.Array
            && value.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)))
            return value.Value.EnumerateArray().Select(e => e.GetInt32()).ToList();
        throw Field("layers_to_transform", $"must be null, a layer index or a list of them (got {Describe(value)})");
    }

    private static bool IsEmptyObject(JsonElement e) => e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().Any();
    private static bool IsEmptyArray(JsonElement e) => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0;

    private static void RequireAbsentOr(JsonElement root, string field, Func<JsonElement, bool> supported, string allowed)
    {
        if (Optional(root, field) is { ValueKind: not JsonValueKind.Null } value && !supported(value))
            throw Field(field, $"is {Describe(value)}; only {allowed} is supported");
    }

    private static JsonElement? Optional(JsonElement root, string field) =>
        root.TryGetProperty(field, out var value) ? value : null;

    private static string Describe(JsonElement? value) => value is { } element ? element.GetRawText() : "nothing";

    private static AdapterException Field(string field, string problem) => new($"{ConfigFileName}: field '{field}' {problem}.");
}
