using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.Engine.Tokenization.Prompting;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>Small tokenizers built for self-trained models round-trip through tokenizer.json and the loader.</summary>
public class CharacterTokenizerTests
{
    private const string Alphabet = "0123456789+-*/= ?abcé中";

    [Fact]
    public void EveryAlphabetCharacterIsOneTokenAndSpecialTokensFollow()
    {
        var tokenizer = SaveAndLoad(CharacterTokenizerBuilder.Build(Alphabet, CharacterTokenizerBuilder.ChatSpecialTokens), chat: true);

        // ids 0..255 are the bytes; "é" (2 bytes) and "中" (3 bytes) add one merged symbol per merge.
        Assert.Equal(new[] { '1', '2', '+', '3' }.Select(c => (int)c), tokenizer.Encode("12+3"));
        Assert.Single(tokenizer.Encode("é"));
        Assert.Single(tokenizer.Encode("中"));
        Assert.Single(tokenizer.Encode("e\u0301")); // NFC makes it "é"
        var endOfText = tokenizer.TokenToId("<|endoftext|>")!.Value;
        Assert.Equal(256 + 1 + 2, endOfText);
        Assert.Equal(endOfText + 3, tokenizer.VocabularySize);
        Assert.Equal(new[] { endOfText + 1, 'a', 'b', endOfText + 2 }.Select(id => (int)id), tokenizer.Encode("<|im_start|>ab<|im_end|>"));
        Assert.Equal(new[] { endOfText, endOfText + 2 }, tokenizer.StopTokenIds.Order());
        Assert.Null(tokenizer.BosTokenId);
    }

    [Fact]
    public void TextOutsideTheAlphabetFallsBackToBytesAndDecodesExactly()
    {
        var tokenizer = SaveAndLoad(CharacterTokenizerBuilder.Build(Alphabet, CharacterTokenizerBuilder.ChatSpecialTokens), chat: false);
        const string text = "Zürich 🤖 é中 12*3=36\n";
        var ids = tokenizer.Encode(text);
        Assert.Equal(2, ids.Count(id => id is 0xC3 or 0xBC)); // "ü" as its two bytes
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void WithoutByteCoverageTheVocabularyIsTheAlphabetAndOtherCharactersAreRefused()
    {
        var definition = CharacterTokenizerBuilder.Build("ab c", ["<|endoftext|>"], coverAllBytes: false);
        var tokenizer = SaveAndLoad(definition, chat: false);
        Assert.Equal(5, tokenizer.VocabularySize);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, tokenizer.Encode("ab c<|endoftext|>"));
        var error = Assert.Throws<UnencodableTextException>(() => tokenizer.Encode("abd"));
        Assert.Equal("d", error.Character);
        Assert.Equal(2, error.Index);
    }

    [Fact]
    public void TheWrittenFileReadsBackToTheSameDefinition()
    {
        var definition = CharacterTokenizerBuilder.Build(CharacterTokenizerBuilder.CollectAlphabet(["hello wörld", "中文"]), CharacterTokenizerBuilder.ChatSpecialTokens);
        using var folder = new TemporaryFolder();
        TokenizerJsonFile.Write(folder.File("tokenizer.json"), definition);
        var read = TokenizerJsonFile.Read(folder.File("tokenizer.json"));
        Assert.Equal(definition.Vocabulary.OrderBy(p => p.Value), read.Vocabulary.OrderBy(p => p.Value));
        Assert.Equal(definition.Merges, read.Merges);
        Assert.Equal(definition.AddedTokens, read.AddedTokens);
        Assert.Equal(definition.SplitPattern, read.SplitPattern);
        Assert.True(read.NormalizeNfc);
    }

    [Fact]
    public void ASavedChatTokenizerFormatsChatMLWithoutSystemOrThinking()
    {
        using var folder = new TemporaryFolder();
        TokenizerFolderWriter.Save(folder.Path, CharacterTokenizerBuilder.Build(Alphabet, CharacterTokenizerBuilder.ChatSpecialTokens),
            "<|im_end|>", TokenizerFolderWriter.ChatMLTemplate);
        var format = PromptFormat.ForCheckpoint(folder.Path);
        Assert.Equal(PromptStyle.ChatML, format.Style);
        Assert.Null(format.DefaultSystemPrompt);
        Assert.False(format.WritesEmptyThinkingBlock);

        var tokenizer = TokenizerLoader.Load(folder.Path);
        var ids = format.Encode(tokenizer, "1+2=?");
        // <|im_start|> "user\n" "1+2=?" <|im_end|> "\n" <|im_start|> "assistant\n": one token per character.
        Assert.Equal(1 + 5 + 5 + 1 + 1 + 1 + 10, ids.Count);
        Assert.Equal("user\n1+2=?\nassistant\n", tokenizer.Decode(ids));
    }

    [Fact]
    public void ASavedBaseTokenizerFormatsPlainText()
    {
        using var folder = new TemporaryFolder();
        TokenizerFolderWriter.Save(folder.Path, CharacterTokenizerBuilder.Build(Alphabet, ["<|endoftext|>"]), "<|endoftext|>", chatTemplate: null);
        Assert.Equal(PromptStyle.Plain, PromptFormat.ForCheckpoint(folder.Path).Style);
        Assert.Equal(new[] { 256 + 3 }, TokenizerLoader.Load(folder.Path).StopTokenIds);
    }

    private static HuggingFaceBpeTokenizer SaveAndLoad(ByteLevelBpeDefinition definition, bool chat)
    {
        using var folder = new TemporaryFolder();
        TokenizerFolderWriter.Save(folder.Path, definition, chat ? "<|im_end|>" : "<|endoftext|>", chat ? TokenizerFolderWriter.ChatMLTemplate : null);
        return Assert.IsType<HuggingFaceBpeTokenizer>(TokenizerLoader.Load(folder.Path));
    }
}
