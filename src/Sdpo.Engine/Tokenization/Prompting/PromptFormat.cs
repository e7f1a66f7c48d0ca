using System.Text;
using System.Text.RegularExpressions;

namespace Sdpo.Engine.Tokenization.Prompting;

/// <summary>
/// Turns a user prompt into the text a checkpoint continues, as its chat template does with
/// <c>add_generation_prompt=True</c> (and <c>enable_thinking=False</c> where the template knows it).
/// </summary>
public sealed partial class PromptFormat
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>What Qwen3's template writes after the assistant header when thinking is disabled.</summary>
    public const string EmptyThinkingBlock = "<think>\n\n</think>\n\n";

    private PromptFormat(PromptStyle style, string? defaultSystemPrompt, bool emptyThinkingBlock)
    {
        Style = style;
        DefaultSystemPrompt = defaultSystemPrompt;
        WritesEmptyThinkingBlock = emptyThinkingBlock;
    }

    /// <summary>Text continues as written.</summary>
    public static PromptFormat Plain { get; } = new(PromptStyle.Plain, null, false);

    /// <summary>ChatML. <paramref name="defaultSystemPrompt"/> is the system turn written when the caller
    /// gives none (Qwen2.5: "You are Qwen, created by Alibaba Cloud. ..."); <paramref name="emptyThinkingBlock"/>
    /// opens the answer with an empty <c>&lt;think&gt;</c> block (Qwen3 with thinking disabled).</summary>
    public static PromptFormat ChatML(string? defaultSystemPrompt = null, bool emptyThinkingBlock = false) =>
        new(PromptStyle.ChatML, defaultSystemPrompt, emptyThinkingBlock);

    public PromptStyle Style { get; }

    public string? DefaultSystemPrompt { get; }

    public bool WritesEmptyThinkingBlock { get; }

    /// <summary>The text that closes an assistant turn in this format (<c>&lt;|im_end|&gt;</c>), or null for plain text.</summary>
    public string? EndOfTurn => Style == PromptStyle.ChatML ? ImEnd : null;

    /// <summary>
    /// The format a checkpoint's chat template implies: a ChatML template (Qwen) gives <see cref="PromptStyle.ChatML"/>
    /// with the template's default system prompt, and an empty thinking block where the template has
    /// <c>enable_thinking</c> (Qwen3); no template gives <see cref="PromptStyle.Plain"/>.
    /// <paramref name="styleOverride"/> (from service configuration) wins over the template's presence; it is
    /// needed for base checkpoints that ship a chat template anyway (Qwen2.5 base models do).
    /// </summary>
    /// <exception cref="CheckpointException">A malformed tokenizer_config.json, or a chat template that is not ChatML
    /// (the engine formats ChatML only) without an override.</exception>
    public static PromptFormat ForCheckpoint(string checkpointFolder, PromptStyle? styleOverride = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointFolder);
        if (!Directory.Exists(checkpointFolder))
            throw new CheckpointException($"The checkpoint folder {checkpointFolder} does not exist.");
        if (styleOverride == PromptStyle.Plain) return Plain;
        var template = CheckpointTokenSettings.Read(checkpointFolder).ChatTemplate;
        if (template is null) return styleOverride == PromptStyle.ChatML ? ChatML() : Plain;
        if (!template.Contains(ImStart, StringComparison.Ordinal))
        {
            if (styleOverride == PromptStyle.ChatML) return ChatML();
            throw new CheckpointException(
                $"{Path.Combine(checkpointFolder, CheckpointTokenSettings.TokenizerConfigFileName)}: the chat_template is not ChatML "
                + "and the engine formats ChatML only; configure the prompt style Plain (or ChatML) for this model.");
        }
        return FromChatMLTemplate(template);
    }

    /// <summary>Reads the two settings that vary among ChatML templates: the default system turn, written
    /// literally as <c>'&lt;|im_start|&gt;system\n…&lt;|im_end|&gt;\n'</c> for when no system message is given,
    /// and whether <c>enable_thinking</c> exists (then disabling it writes <see cref="EmptyThinkingBlock"/>).</summary>
    public static PromptFormat FromChatMLTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var match = DefaultSystemTurn().Match(template);
        var defaultSystem = match.Success ? UnescapeJinjaString(match.Groups["content"].Value) : null;
        return ChatML(defaultSystem, template.Contains("enable_thinking", StringComparison.Ordinal));
    }

    /// <summary>The text the model continues for one user turn; <paramref name="systemPrompt"/> replaces the
    /// default system prompt. Plain text puts a system prompt before the user prompt, separated by a blank line.</summary>
    public string Format(string userPrompt, string? systemPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(userPrompt);
        if (Style == PromptStyle.Plain)
            return systemPrompt is null ? userPrompt : systemPrompt + "\n\n" + userPrompt;

        var text = new StringBuilder();
        if ((systemPrompt ?? DefaultSystemPrompt) is { } system)
            text.Append(ImStart).Append("system\n").Append(system).Append(ImEnd).Append('\n');
        text.Append(ImStart).Append("user\n").Append(userPrompt).Append(ImEnd).Append('\n');
        text.Append(ImStart).Append("assistant\n");
        if (WritesEmptyThinkingBlock) text.Append(EmptyThinkingBlock);
        return text.ToString();
    }

    /// <summary>The prompt ids a generation starts from: the tokenizer's BOS (if it has one) and the formatted text.</summary>
    public IReadOnlyList<int> Encode(ITextTokenizer tokenizer, string userPrompt, string? systemPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = tokenizer.Encode(Format(userPrompt, systemPrompt));
        return tokenizer.BosTokenId is { } bos ? [bos, .. ids] : ids;
    }

    public override string ToString() =>
        Style == PromptStyle.Plain ? "plain text"
            : $"ChatML{(DefaultSystemPrompt is null ? "" : " with a default system prompt")}{(WritesEmptyThinkingBlock ? ", thinking disabled" : "")}";

    private static string UnescapeJinjaString(string literal) =>
        JinjaEscape().Replace(literal, m => m.Groups[1].Value switch
        {
            "n" => "\n",
            "t" => "\t",
            var other => other,
        });

    [GeneratedRegex(@"'<\|im_start\|>system\\n(?<content>(?:[^'\\]|\\.)*?)<\|im_end\|>\\n'")]
    private static partial Regex DefaultSystemTurn();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex JinjaEscape();
}
