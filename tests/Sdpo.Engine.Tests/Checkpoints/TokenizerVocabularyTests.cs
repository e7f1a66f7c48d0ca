using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Tests.Models;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Checkpoints;

/// <summary>A tokenizer whose ids go past the model's vocab_size is refused at load, not at every prompt.</summary>
public sealed class TokenizerVocabularyTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Random weights of <paramref name="vocabSize"/> tokens with the embedded model's tokenizer (257 tokens).</summary>
    private void WriteCheckpoint(int vocabSize)
    {
        using (var model = TinyModels.Random(TinyModels.Qwen3Config() with { VocabSize = vocabSize }))
            CheckpointWriter.Save(model, _folder.Path);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(Checkout.EmbeddedModel, file), _folder.File(file), overwrite: true);
    }

    [Fact]
    public async Task A_tokenizer_larger_than_the_models_vocabulary_fails_the_load_naming_both_sizes()
    {
        // It loaded, and every prompt then failed: "token id 256 outside the vocabulary [0, 97)".
        WriteCheckpoint(vocabSize: 97);

        var error = await Assert.ThrowsAsync<CheckpointException>(() => LanguageModel.LoadAsync("mismatch", _folder.Path));
        Assert.Contains(_folder.File("tokenizer.json"), error.Message);
        Assert.Contains("has 257 tokens", error.Message);
        Assert.Contains("vocab_size is 97", error.Message);
    }

    [Fact]
    public async Task A_model_vocabulary_larger_than_its_tokenizer_loads()
    {
        // Qwen pads its embeddings beyond the tokenizer (151936 rows for 151669 tokens).
        WriteCheckpoint(vocabSize: 320);

        using var model = await LanguageModel.LoadAsync("padded", _folder.Path);
        Assert.Equal(257, model.Tokenizer.VocabularySize);
        Assert.Equal(320, model.Model.Config.VocabSize);
    }
}
