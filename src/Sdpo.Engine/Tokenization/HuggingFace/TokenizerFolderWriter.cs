using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sdpo.Engine.Tokenization.HuggingFace;

/// <summary>Writes a tokenizer into a checkpoint folder in Hugging Face layout (tokenizer.json and
/// tokenizer_config.json), as <see cref="TokenizerLoader"/> and <see cref="Prompting.PromptFormat"/> read it.</summary>
public static class TokenizerFolderWriter
{
    /// <summary>A minimal ChatML chat template: each message as <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>,
    /// then the assistant header; no default system prompt, no thinking block.</summary>
    public const string ChatMLTemplate =
        "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}"
        + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    /// <param name="eosToken">The added token that ends a document or turn (e.g. <c>&lt;|im_end|&gt;</c>).</param>
    /// <param name="chatTemplate">Written as the checkpoint's chat template (e.g. <see cref="ChatMLTemplate"/>);
    /// null marks a base model that continues plain text.</param>
    public static void Save(string folder, ByteLevelBpeDefinition definition, string eosToken, string? chatTemplate)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrEmpty(eosToken);
        if (definition.AddedTokens.All(t => t.Content != eosToken))
            throw new ArgumentException($"The EOS token {eosToken} is not one of the tokenizer's added tokens.", nameof(eosToken));

        Directory.CreateDirectory(folder);
        TokenizerJsonFile.Write(Path.Combine(folder, TokenizerJsonFile.FileName), definition);

        var config = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["add_bos_token"] = false,
            ["bos_token"] = null,
            ["eos_token"] = eosToken,
            ["clean_up_tokenization_spaces"] = false,
        };
        if (chatTemplate is not null) config["chat_template"] = chatTemplate;
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(folder, CheckpointTokenSettings.TokenizerConfigFileName), config.ToJsonString(options));
    }
}
