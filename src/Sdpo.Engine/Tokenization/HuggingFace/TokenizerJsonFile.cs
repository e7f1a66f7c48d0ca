using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>
/// Reads and writes Hugging Face <c>tokenizer.json</c> files of the byte-level BPE kind (GPT-2, Qwen2/2.5/3,
/// and the small tokenizers our own pretraining writes). Other kinds (SentencePiece-style BPE with byte
/// fallback, WordPiece, Unigram) and features the engine does not reproduce are reported as unsupported
/// rather than tokenized differently from the reference.
/// </summary>
public static class TokenizerJsonFile
{
    public const string FileName = "tokenizer.json";

    /// <summary>Reads a byte-level BPE tokenizer.json; a malformed or unsupported file gives a
    /// <see cref="CheckpointException"/> naming it. Merges are checked against the vocabulary only when a
    /// tokenizer is built from the definition.</summary>
    public static ByteLevelBpeDefinition Read(string path)
    {
        var result = TryRead(path);
        return result.Definition ?? throw new CheckpointException($"{path}: {result.Unsupported}");
    }

    /// <summary>Reads the file; malformed JSON or structure throws, an unsupported tokenizer kind is returned
    /// as a reason so the loader can fall back to another tokenizer file.</summary>
    internal static TokenizerJsonContent TryRead(string path)
    {
        var root = CheckpointJson.ReadObject(path);
        var model = root.Required("model", path, "");
        if (model.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{path}: \"model\" should be an object, found {model.ValueKind}.");

        var unsupported = FindUnsupportedFeature(root, model, path);
        if (unsupported is not null) return new TokenizerJsonContent(null, null, unsupported);

        var definition = new ByteLevelBpeDefinition(
            ReadVocabulary(model, path),
            ReadMerges(model, path),
            ReadAddedTokens(root, path),
            ReadSplitPattern(root.Optional("pre_tokenizer"), path),
            root.Optional("normalizer") is not null);
        Validate(definition, path);
        return new TokenizerJsonContent(definition, ReadPrependedToken(root, path), null);
    }

    /// <summary>Writes <paramref name="definition"/> in the layout of the Qwen files, so Hugging Face
    /// <c>tokenizers</c> loads it too.</summary>
    public static void Write(string path, ByteLevelBpeDefinition definition)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");

        json.WriteStartArray("added_tokens");
        foreach (var token in definition.AddedTokens.OrderBy(t => t.Id))
        {
            json.WriteStartObject();
            json.WriteNumber("id", token.Id);
            json.WriteString("content", token.Content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", token.IsSpecial);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        if (definition.NormalizeNfc)
        {
            json.WriteStartObject("normalizer");
            json.WriteString("type", "NFC");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("normalizer");
        }

        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        if (definition.SplitPattern is not null)
        {
            json.WriteStartObject();
            json.WriteString("type", "Split");
            json.WriteStartObject("pattern");
            json.WriteString("Regex", definition.SplitPattern);
            json.WriteEndObject();
            json.WriteString("behavior", "Isolated");
            json.WriteBoolean("invert", false);
            json.WriteEndObject();
        }
        WriteByteLevelStep(json);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WritePropertyName("post_processor");
        WriteByteLevelStep(json);
        json.WritePropertyName("decoder");
        WriteByteLevelStep(json);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        foreach (var (symbol, id) in definition.Vocabulary.OrderBy(p => p.Value))
            json.WriteNumber(symbol, id);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var merge in definition.Merges)
        {
            json.WriteStartArray();
            json.WriteStringValue(merge.Left);
            json.WriteStringValue(merge.Right);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteEndObject();
    }

    private static void WriteByteLevelStep(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
        json.WriteEndObject();
    }

    private static string? FindUnsupportedFeature(JsonElement root, JsonElement model, string path)
    {
        var type = model.OptionalString("type", path) ?? (model.Optional("merges") is not null ? "BPE" : "unknown");
        if (type != "BPE") return $"model type \"{type}\" is not supported; only byte-level BPE is.";
        if (model.OptionalBool("byte_fallback", path, false))
            return "a BPE model with byte_fallback (SentencePiece style) is not supported; only byte-level BPE is.";
        if (!string.IsNullOrEmpty(model.OptionalString("continuing_subword_prefix", path)))
            return "model.continuing_subword_prefix is not supported.";
        if (!string.IsNullOrEmpty(model.OptionalString("end_of_word_suffix", path)))
            return "model.end_of_word_suffix is not supported.";
        if (model.OptionalBool("ignore_merges", path, false))
            return "model.ignore_merges = true is not supported.";
        if (model.Optional("dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() > 0)
            return "model.dropout is set; BPE dropout is a training-time option and is not supported.";

        var normalizer = root.Optional("normalizer");
        if (normalizer is { } n && n.OptionalString("type", path) != "NFC")
            return $"normalizer {n.GetRawText()} is not supported; only NFC or none.";

        if (!UsesByteLevel(root.Optional("pre_tokenizer"), path) && root.Optional("decoder")?.OptionalString("type", path) != "ByteLevel")
            return "the tokenizer is not byte-level (no ByteLevel pre-tokenizer or decoder).";
        return FindUnsupportedPreTokenizer(root.Optional("pre_tokenizer"), path);
    }

    private static bool UsesByteLevel(JsonElement? preTokenizer, string path) =>
        preTokenizer is { } p && (p.OptionalString("type", path) == "ByteLevel"
            || (p.Optional("pretokenizers") is { ValueKind: JsonValueKind.Array } steps && steps.EnumerateArray().Any(s => UsesByteLevel(s, path))));

    private static string? FindUnsupportedPreTokenizer(JsonElement? preTokenizer, string path)
    {
        if (preTokenizer is not { } p) return null;
        var steps = p.OptionalString("type", path) == "Sequence"
            ? p.Required("pretokenizers", path, "pre_tokenizer.").EnumerateArray().ToArray()
            : [p];
        var splits = 0;
        foreach (var step in steps)
        {
            switch (step.OptionalString("type", path))
            {
                case "ByteLevel":
                    if (step.OptionalBool("add_prefix_space", path, false))
                        return "pre_tokenizer ByteLevel with add_prefix_space = true is not supported.";
                    if (step.OptionalBool("use_regex", path, true)) splits++;
                    break;
                case "Split":
                    if (step.OptionalString("behavior", path) != "Isolated" || step.OptionalBool("invert", path, false))
                        return $"pre_tokenizer Split {step.GetRawText()} is not supported; only behavior Isolated without invert.";
                    splits++;
                    break;
                default:
                    return $"pre_tokenizer step {step.GetRawText()} is not supported.";
            }
        }
        return splits > 1 ? "a pre_tokenizer with more than one splitting step is not supported." : null;
    }

    private static string? ReadSplitPattern(JsonElement? preTokenizer, string path)
    {
        if (preTokenizer is not { } p) return null;
        var steps = p.OptionalString("type", path) == "Sequence" ? p.GetProperty("pretokenizers").EnumerateArray().ToArray() : [p];
        foreach (var step in steps)
        {
            if (step.OptionalString("type", path) == "ByteLevel" && step.OptionalBool("use_regex", path, true))
                return ByteLevelBpeDefinition.Gpt2SplitPattern;
            if (step.OptionalString("type", path) == "Split")
            {
                var pattern = step.Required("pattern", path, "pre_tokenizer Split.");
                var regex = pattern.OptionalString("Regex", path);
                var literal = pattern.OptionalString("String", path);
                var result = regex ?? (literal is not null ? Regex.Escape(literal) : null)
                    ?? throw new CheckpointException($"{path}: pre_tokenizer Split pattern {pattern.GetRawText()} has neither \"Regex\" nor \"String\".");
                try
                {
                    _ = new Regex(result);
                }
                catch (ArgumentException e)
                {
                    throw new CheckpointException($"{path}: pre_tokenizer Split regex {result} is not valid in .NET: {e.Message}", e);
                }
                return result;
            }
        }
        return null;
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string path)
    {
        var vocab = model.Required("vocab", path, "model.");
        if (vocab.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{path}: model.vocab should be an object of token -> id, found {vocab.ValueKind}.");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new CheckpointException($"{path}: model.vocab[\"{entry.Name}\"] = {entry.Value.GetRawText()} is not a token id.");
            result[entry.Name] = id;
        }
        return result;
    }

    /// <summary>Merges come as "a b" strings (Qwen2.5, older files) or ["a", "b"] pairs (Qwen3, newer files).</summary>
    private static List<BpeMerge> ReadMerges(JsonElement model, string path)
    {
        if (model.Optional("merges") is not { } merges) return [];
        if (merges.ValueKind != JsonValueKind.Array)
            throw new CheckpointException($"{path}: model.merges should be an array, found {merges.ValueKind}.");
        var result = new List<BpeMerge>(merges.GetArrayLength());
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String)
            {
                var parts = merge.GetString()!.Split(' ');
                if (parts.Length != 2)
                    throw new CheckpointException($"{path}: model.merges[{index}] = {merge.GetRawText()} is not two symbols separated by one space.");
                result.Add(new BpeMerge(parts[0], parts[1]));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                     && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                result.Add(new BpeMerge(merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw new CheckpointException($"{path}: model.merges[{index}] = {merge.GetRawText()} is neither \"a b\" nor [\"a\", \"b\"].");
            }
            index++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        if (root.Optional("added_tokens") is not { } tokens) return [];
        if (tokens.ValueKind != JsonValueKind.Array)
            throw new CheckpointException($"{path}: \"added_tokens\" should be an array, found {tokens.ValueKind}.");
        var result = new List<AddedToken>();
        var index = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            var where = $"added_tokens[{index++}].";
            var idElement = token.Required("id", path, where);
            if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt32(out var id) || id < 0)
                throw new CheckpointException($"{path}: {where}id = {idElement.GetRawText()} is not a token id.");
            var content = token.OptionalString("content", path);
            if (string.IsNullOrEmpty(content))
                throw new CheckpointException($"{path}: {where}content is missing or empty.");
            foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
            {
                if (token.OptionalBool(flag, path, false))
                    throw new CheckpointException($"{path}: {where}{flag} = true (token {content}) is not supported.");
            }
            result.Add(new AddedToken(id, content, token.OptionalBool("special", path, false)));
        }
        return result;
    }

    /// <summary>The token a TemplateProcessing post-processor puts before every sequence (Llama 3's BOS), if any.</summary>
    private static string? ReadPrependedToken(JsonElement root, string path)
    {
        if (root.Optional("post_processor") is not { } post || post.OptionalString("type", path) != "TemplateProcessing") return null;
        if (post.Optional("single") is not { ValueKind: JsonValueKind.Array } single || single.GetArrayLength() == 0) return null;
        return single[0].Optional("SpecialToken") is { } special ? special.OptionalString("id", path) : null;
    }

    private static void Validate(ByteLevelBpeDefinition definition, string path)
    {
        var byId = new Dictionary<int, string>();
        foreach (var (symbol, id) in definition.Vocabulary)
        {
            if (!byId.TryAdd(id, symbol))
                throw new CheckpointException($"{path}: model.vocab gives id {id} to both \"{byId[id]}\" and \"{symbol}\".");
        }
        var addedIds = new HashSet<int>();
        foreach (var token in definition.AddedTokens)
        {
            if (byId.TryGetValue(token.Id, out var other) && other != token.Content)
                throw new CheckpointException($"{path}: added token \"{token.Content}\" has id {token.Id}, which model.vocab gives to \"{other}\".");
            if (!addedIds.Add(token.Id))
                throw new CheckpointException($"{path}: more than one added token has id {token.Id}.");
        }
        // Merges whose symbols are missing from the vocabulary are reported when the tokenizer is built
        // (TokenizerLoader names this file); checking 150k merges here would double the cost.
    }
}

/// <summary>What <see cref="TokenizerJsonFile.TryRead"/> found: a definition, or why the file is not supported.</summary>
internal sealed record TokenizerJsonContent(ByteLevelBpeDefinition? Definition, string? PrependedToken, string? Unsupported);
