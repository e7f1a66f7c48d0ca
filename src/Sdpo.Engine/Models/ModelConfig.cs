using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sdpo.Engine.Models;

/// <summary>
/// The shape of a decoder-only transformer, as a Hugging Face <c>config.json</c> describes it for
/// <c>LlamaForCausalLM</c>, <c>Qwen2ForCausalLM</c> and <c>Qwen3ForCausalLM</c>. Read one with
/// <see cref="Load"/>, build one in code with <see cref="CreateQwen3"/> (or an object initializer and
/// <c>with</c>), and write it back with <see cref="Save"/>: the written file loads in Hugging Face too.
/// </summary>
public sealed record ModelConfig
{
    public required ModelArchitecture Architecture { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Bias on q_proj, k_proj and v_proj (Llama and Qwen3: <c>attention_bias</c>; Qwen2: always).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Bias on o_proj (Llama and Qwen3: <c>attention_bias</c>; Qwen2: never).</summary>
    public bool OutputProjectionBias { get; init; }

    /// <summary>Bias on gate/up/down_proj (Llama's <c>mlp_bias</c>; false for Qwen).</summary>
    public bool MlpBias { get; init; }

    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The dtype the checkpoint's weights were saved in ("float32", "bfloat16", ...), informational.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>Qwen3 normalises each head's queries and keys (q_norm, k_norm over head_dim).</summary>
    public bool UsesQueryKeyNorm => Architecture == ModelArchitecture.Qwen3;

    public int KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>A small Qwen3 model shape for tests and for pretraining from scratch.</summary>
    public static ModelConfig CreateQwen3(
        int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
        int? numKeyValueHeads = null, int? headDim = null, int maxPositionEmbeddings = 2048,
        double ropeTheta = 1_000_000.0, double rmsNormEps = 1e-6, bool tieWordEmbeddings = true,
        int? bosTokenId = null, IReadOnlyList<int>? eosTokenIds = null)
    {
        var config = new ModelConfig
        {
            Architecture = ModelArchitecture.Qwen3,
            VocabSize = vocabSize,
            HiddenSize = hiddenSize,
            IntermediateSize = intermediateSize,
            NumHiddenLayers = numHiddenLayers,
            NumAttentionHeads = numAttentionHeads,
            NumKeyValueHeads = numKeyValueHeads ?? numAttentionHeads,
            HeadDim = headDim ?? hiddenSize / numAttentionHeads,
            MaxPositionEmbeddings = maxPositionEmbeddings,
            RopeTheta = ropeTheta,
            RmsNormEps = rmsNormEps,
            TieWordEmbeddings = tieWordEmbeddings,
            BosTokenId = bosTokenId,
            EosTokenIds = eosTokenIds ?? [],
        };
        config.Validate("the given model shape");
        return config;
    }

    /// <summary>Reads a <c>config.json</c>; any problem is a <see cref="CheckpointException"/> naming the file.</summary>
    public static ModelConfig Load(string configPath)
    {
        if (!File.Exists(configPath))
            throw new CheckpointException($"Model config '{configPath}' does not exist.");
        string json;
        try
        {
            json = File.ReadAllText(configPath);
        }
        catch (IOException e)
        {
            throw new CheckpointException($"Model config '{configPath}' cannot be read: {e.Message}", e);
        }
        return Parse(json, configPath);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject
                ?? throw new CheckpointException($"Model config '{source}' is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"Model config '{source}' is not valid JSON: {e.Message}", e);
        }
        return new ConfigReader(root, source).Read();
    }

    public void Save(string configPath) => File.WriteAllText(configPath, ToJson());

    /// <summary>The config in Hugging Face layout (the keys transformers reads for this architecture).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture.ClassName()),
            ["model_type"] = Architecture.ModelType(),
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = TieWordEmbeddings,
        };
        if (Architecture != ModelArchitecture.Qwen2) root["attention_bias"] = QkvBias;
        if (Architecture == ModelArchitecture.Llama) root["mlp_bias"] = MlpBias;
        root["attention_dropout"] = 0.0;
        root["bos_token_id"] = BosTokenId;
        root["eos_token_id"] = EosTokenIds.Count switch
        {
            0 => null,
            1 => JsonValue.Create(EosTokenIds[0]),
            _ => new JsonArray(EosTokenIds.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
        };
        root["torch_dtype"] = TorchDtype;
        root["use_cache"] = true;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Checks that the sizes are positive and the heads divide evenly.</summary>
    public void Validate(string source)
    {
        void Positive(int value, string field)
        {
            if (value <= 0) throw new CheckpointException($"Model config '{source}': {field} must be positive, got {value}.");
        }
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(VocabSize, "vocab_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new CheckpointException(
                $"Model config '{source}': num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}.");
        if (HeadDim % 2 != 0)
            throw new CheckpointException($"Model config '{source}': head_dim {HeadDim} must be even for rotary embeddings.");
        if (RmsNormEps <= 0 || RopeTheta <= 0)
            throw new CheckpointException($"Model config '{source}': rms_norm_eps and rope_theta must be positive.");
    }

    /// <summary>Reads the fields of one config.json, naming the file and field in every error.</summary>
    private sealed class ConfigReader(JsonObject root, string source)
    {
        public ModelConfig Read()
        {
            var architectureName = (root["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
            var architecture = ModelArchitectureNames.FromClassName(architectureName)
                ?? throw new CheckpointException(
                    $"Model config '{source}': architecture '{architectureName ?? "(none)"}' is not supported " +
                    "(supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM).");

            RejectRopeScaling();
            var heads = RequiredInt("num_attention_heads");
            var hidden = RequiredInt("hidden_size");
            var attentionBias = OptionalBool("attention_bias") ?? false;
            var config = new ModelConfig
            {
                Architecture = architecture,
                HiddenSize = hidden,
                IntermediateSize = RequiredInt("intermediate_size"),
                NumHiddenLayers = RequiredInt("num_hidden_layers"),
                NumAttentionHeads = heads,
                NumKeyValueHeads = OptionalInt("num_key_value_heads") ?? heads,
                HeadDim = OptionalInt("head_dim") ?? (heads > 0 ? hidden / heads : 0),
                VocabSize = RequiredInt("vocab_size"),
                MaxPositionEmbeddings = RequiredInt("max_position_embeddings"),
                RmsNormEps = OptionalDouble("rms_norm_eps") ?? 1e-6,
                RopeTheta = OptionalDouble("rope_theta") ?? RopeThetaFromParameters() ?? 10000.0,
                TieWordEmbeddings = OptionalBool("tie_word_embeddings") ?? false,
                QkvBias = architecture == ModelArchitecture.Qwen2 || attentionBias,
                OutputProjectionBias = architecture != ModelArchitecture.Qwen2 && attentionBias,
                MlpBias = architecture == ModelArchitecture.Llama && (OptionalBool("mlp_bias") ?? false),
                BosTokenId = OptionalInt("bos_token_id"),
                EosTokenIds = EosIds(),
                TorchDtype = OptionalString("torch_dtype") ?? OptionalString("dtype") ?? "float32",
            };
            config.Validate(source);
            return config;
        }

        private void RejectRopeScaling()
        {
            var scaling = root["rope_scaling"] as JsonObject ?? root["rope_parameters"] as JsonObject;
            var type = scaling?["rope_type"]?.GetValue<string>() ?? scaling?["type"]?.GetValue<string>();
            if (type is not null and not "default")
                throw new CheckpointException($"Model config '{source}': rope scaling type '{type}' is not supported.");
        }

        private double? RopeThetaFromParameters() =>
            root["rope_parameters"] is JsonObject parameters ? Number(parameters["rope_theta"], "rope_parameters.rope_theta") : null;

        private IReadOnlyList<int> EosIds() => root["eos_token_id"] switch
        {
            null => [],
            JsonArray ids => ids.Select((id, i) => Integer(id, $"eos_token_id[{i}]") ?? Fail<int>($"eos_token_id[{i}]", "an integer")).ToArray(),
            var id => [Integer(id, "eos_token_id") ?? Fail<int>("eos_token_id", "an integer or a list of integers")],
        };

        private int RequiredInt(string field) => OptionalInt(field)
            ?? throw new CheckpointException($"Model config '{source}': required field '{field}' is missing.");

        private int? OptionalInt(string field) => Integer(root[field], field);

        private double? OptionalDouble(string field) => Number(root[field], field);

        private bool? OptionalBool(string field) => root[field] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
            _ => Fail<bool>(field, "true or false"),
        };

        private string? OptionalString(string field) => root[field] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            _ => Fail<string>(field, "a string"),
        };

        private int? Integer(JsonNode? node, string field)
        {
            if (node is null) return null;
            if (node is JsonValue value)
            {
                if (value.TryGetValue<int>(out var integer)) return integer;
                if (value.TryGetValue<double>(out var number) && number == Math.Floor(number) && Math.Abs(number) <= int.MaxValue)
                    return (int)number;
            }
            return Fail<int>(field, "an integer");
        }

        private double? Number(JsonNode? node, string field)
        {
            if (node is null) return null;
            if (node is JsonValue value && value.TryGetValue<double>(out var number)) return number;
            return Fail<double>(field, "a number");
        }

        private T Fail<T>(string field, string expected) =>
            throw new CheckpointException($"Model config '{source}': field '{field}' must be {expected}.");
    }
}
