using System.Text.Json;

namespace Sdpo.Engine.Tokenization;

/// <summary>
/// The token settings spread over a Hugging Face checkpoint's JSON files: <c>tokenizer_config.json</c>
/// (BOS/EOS as token strings, add_bos_token, chat_template), <c>config.json</c> and
/// <c>generation_config.json</c> (BOS/EOS as ids). Every file is optional.
/// </summary>
internal sealed record CheckpointTokenSettings(
    string? BosToken,
    string? EosToken,
    bool? AddBosToken,
    string? ChatTemplate,
    IReadOnlyList<int> ConfigEosIds,
    IReadOnlyList<int> GenerationEosIds)
{
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    public const string ModelConfigFileName = "config.json";
    public const string GenerationConfigFileName = "generation_config.json";
    public const string ChatTemplateFileName = "chat_template.jinja";

    public static CheckpointTokenSettings Read(string folder)
    {
        var tokenizerConfigPath = Path.Combine(folder, TokenizerConfigFileName);
        var modelConfigPath = Path.Combine(folder, ModelConfigFileName);
        var generationConfigPath = Path.Combine(folder, GenerationConfigFileName);
        var tokenizerConfig = CheckpointJson.ReadObjectIfPresent(tokenizerConfigPath);
        var modelConfig = CheckpointJson.ReadObjectIfPresent(modelConfigPath);
        var generationConfig = CheckpointJson.ReadObjectIfPresent(generationConfigPath);

        bool? addBos = tokenizerConfig?.Optional("add_bos_token") is null
            ? null
            : tokenizerConfig.Value.OptionalBool("add_bos_token", tokenizerConfigPath, false);
        return new CheckpointTokenSettings(
            ReadTokenString(tokenizerConfig, "bos_token", tokenizerConfigPath),
            ReadTokenString(tokenizerConfig, "eos_token", tokenizerConfigPath),
            addBos,
            ReadChatTemplate(tokenizerConfig, tokenizerConfigPath, Path.Combine(folder, ChatTemplateFileName)),
            modelConfig?.OptionalIds("eos_token_id", modelConfigPath) ?? [],
            generationConfig?.OptionalIds("eos_token_id", generationConfigPath) ?? []);
    }

    /// <summary>Token strings are written either as "&lt;s&gt;" or as an AddedToken object {"content": "&lt;s&gt;", ...}.</summary>
    private static string? ReadTokenString(JsonElement? config, string name, string path)
    {
        if (config?.Optional(name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => value.OptionalString("content", path)
                ?? throw new CheckpointException($"{path}: \"{name}\" is an object without \"content\"."),
            _ => throw new CheckpointException($"{path}: \"{name}\" should be a token string, found {value.ValueKind}."),
        };
    }

    /// <summary>The default chat template: a string, the entry named "default" of a list of named templates,
    /// or (newer checkpoints) the separate chat_template.jinja file.</summary>
    private static string? ReadChatTemplate(JsonElement? config, string path, string jinjaPath)
    {
        if (config?.Optional("chat_template") is { } value)
        {
            if (value.ValueKind == JsonValueKind.String) return value.GetString();
            if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in value.EnumerateArray())
                {
                    if (entry.OptionalString("name", path) == "default")
                        return entry.OptionalString("template", path);
                }
                return null;
            }
            throw new CheckpointException($"{path}: \"chat_template\" should be a string or a list of named templates, found {value.ValueKind}.");
        }
        try
        {
            return File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : null;
        }
        catch (IOException e)
        {
            throw new CheckpointException($"{jinjaPath} cannot be read: {e.Message}", e);
        }
    }
}
