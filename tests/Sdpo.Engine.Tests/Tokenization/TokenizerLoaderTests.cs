using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.Engine.Tokenization.SentencePiece;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>Which tokenizer file a checkpoint folder loads, and how bad input is reported.</summary>
public class TokenizerLoaderTests
{
    /// <summary>A five-symbol byte-level BPE in the Qwen layout; MERGES is replaced by either merge form.</summary>
    private const string TinyTokenizerJson = """
        {
          "version": "1.0",
          "added_tokens": [{"id": 5, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
          "normalizer": {"type": "NFC"},
          "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": " ?\\p{L}+|\\s+"}, "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]},
          "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
          "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
          "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                    "fuse_unk": false, "byte_fallback": false,
                    "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4},
                    "merges": MERGES}
        }
        """;

    [Theory]
    [InlineData("""["a b", "Ġ ab"]""")]
    [InlineData("""[["a", "b"], ["Ġ", "ab"]]""")]
    public void AcceptsBothMergeForms(string merges)
    {
        using var folder = new TemporaryFolder();
        folder.Write("tokenizer.json", TinyTokenizerJson.Replace("MERGES", merges));
        var tokenizer = Assert.IsType<HuggingFaceBpeTokenizer>(TokenizerLoader.Load(folder.Path));
        Assert.Equal(new[] { 3, 4, 5, 1, 0 }, tokenizer.Encode("ab ab<|endoftext|>ba"));
        Assert.Equal("ab abba", tokenizer.Decode([3, 4, 5, 1, 0]));
        Assert.Equal(6, tokenizer.VocabularySize);
        Assert.Equal(new[] { 5 }, tokenizer.StopTokenIds);
        Assert.Null(tokenizer.BosTokenId);
    }

    [Fact]
    public void StopAndBosIdsComeFromTheConfigFiles()
    {
        using var folder = new TemporaryFolder();
        folder.Write("tokenizer.json", TinyTokenizerJson.Replace("MERGES", "[]"));
        folder.Write("tokenizer_config.json", """{"add_bos_token": true, "bos_token": {"content": "b"}, "eos_token": "Ġ"}""");
        folder.Write("config.json", """{"eos_token_id": [0, 4]}""");
        folder.Write("generation_config.json", """{"eos_token_id": 3}""");
        var tokenizer = TokenizerLoader.Load(folder.Path);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(new[] { 3, 0, 4, 2, 5 }, tokenizer.StopTokenIds);
    }

    [Fact]
    public void AFolderWithoutTokenizerNamesTheFolderAndTheFilesLookedFor()
    {
        using var folder = new TemporaryFolder();
        var error = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Contains(folder.Path, error.Message);
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("tokenizer.model", error.Message);

        var missing = Path.Combine(folder.Path, "absent");
        Assert.Contains(missing, Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(missing)).Message);
    }

    [Theory]
    [InlineData("tokenizer.json", "{\"model\": {\"vocab\": ")]
    [InlineData("tokenizer.json", "[1, 2]")]
    [InlineData("tokenizer.json", "{\"version\": \"1.0\"}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}, \"decoder\": {\"type\": \"ByteLevel\"}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a c\"]}, \"added_tokens\": [{\"id\": 9, \"content\": \"<|endoftext|>\", \"special\": true}], \"decoder\": {\"type\": \"ByteLevel\"}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\"]}, \"decoder\": {\"type\": \"ByteLevel\"}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}, \"added_tokens\": [{\"id\": 9, \"content\": \"<|endoftext|>\", \"special\": true}], \"decoder\": {\"type\": \"ByteLevel\"}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}}, \"decoder\": {\"type\": \"ByteLevel\"}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": {\"a\": 0}, \"merges\": []}}")]
    [InlineData("tokenizer.model", "not a protobuf")]
    public void AMalformedOrUnsupportedTokenizerFileIsNamed(string file, string content)
    {
        using var folder = new TemporaryFolder();
        var path = folder.Write(file, content);
        var error = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("tokenizer_config.json", "{\"eos_token\": ")]
    [InlineData("tokenizer_config.json", "{\"eos_token\": \"<|not-a-token|>\"}")]
    [InlineData("tokenizer_config.json", "{\"eos_token\": 7}")]
    [InlineData("config.json", "{\"eos_token_id\": \"two\"}")]
    [InlineData("config.json", "{\"eos_token_id\": 99}")]
    [InlineData("generation_config.json", "{\"eos_token_id\": [1, -1]}")]
    public void AMalformedConfigFileIsNamed(string file, string content)
    {
        using var folder = new TemporaryFolder();
        folder.Write("tokenizer.json", TinyTokenizerJson.Replace("MERGES", "[]"));
        var path = folder.Write(file, content);
        var error = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ATokenizerWithoutAnyEndOfTextTokenIsRefused()
    {
        using var folder = new TemporaryFolder();
        folder.Write("tokenizer.json", TinyTokenizerJson.Replace("MERGES", "[]").Replace("<|endoftext|>", "<|pad|>"));
        var error = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(folder.Path));
        Assert.Contains("eos_token", error.Message);
    }

    /// <summary>Llama checkpoints often ship a SentencePiece-style tokenizer.json beside tokenizer.model.</summary>
    [SharedDataFact("models/stories260k/tokenizer.model")]
    public void AnUnsupportedTokenizerJsonFallsBackToTokenizerModel()
    {
        using var folder = new TemporaryFolder();
        folder.Write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": {\"a\": 0}, \"merges\": []}}");
        File.Copy(SharedData.Require("models/stories260k/tokenizer.model"), folder.File("tokenizer.model"));
        var tokenizer = Assert.IsType<SentencePieceTextTokenizer>(TokenizerLoader.Load(folder.Path));
        Assert.Equal(new[] { 403, 407, 261, 378 }, tokenizer.Encode("Once upon a time"));
    }
}
