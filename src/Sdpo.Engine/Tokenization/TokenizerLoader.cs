using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.Engine.Tokenization.SentencePiece;

namespace Sdpo.Engine.Tokenization;

/// <summary>Loads the tokenizer of a checkpoint folder in Hugging Face layout.</summary>
public static class TokenizerLoader
{
    /// <summary>Added tokens that end a generation wherever a vocabulary has them: Qwen's end of turn and end
    /// of document (Qwen chat checkpoints list only one of them as EOS, but emit either).</summary>
    public static readonly IReadOnlyList<string> EndOfTextTokens = ["<|im_end|>", "<|endoftext|>"];

    /// <summary>
    /// <c>tokenizer.json</c> (byte-level BPE) if present, else <c>tokenizer.model</c> (SentencePiece). A
    /// tokenizer.json of another kind (Llama's SentencePiece-style BPE) is skipped in favour of a
    /// tokenizer.model beside it. BOS and stop ids come from tokenizer_config.json, config.json and
    /// generation_config.json where present.
    /// </summary>
    /// <exception cref="CheckpointException">No tokenizer file, or a malformed or unsupported one; the message names the file.</exception>
    public static ITextTokenizer Load(string checkpointFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointFolder);
        if (!Directory.Exists(checkpointFolder))
            throw new CheckpointException($"The checkpoint folder {checkpointFolder} does not exist.");

        var jsonPath = Path.Combine(checkpointFolder, TokenizerJsonFile.FileName);
        var modelPath = Path.Combine(checkpointFolder, SentencePieceTextTokenizer.FileName);
        var settings = CheckpointTokenSettings.Read(checkpointFolder);
        if (File.Exists(jsonPath))
        {
            var content = TokenizerJsonFile.TryRead(jsonPath);
            if (content.Definition is not null) return CreateByteLevelBpe(content, settings, checkpointFolder);
            if (!File.Exists(modelPath)) throw new CheckpointException($"{jsonPath}: {content.Unsupported}");
        }
        if (File.Exists(modelPath))
        {
            return SentencePieceTextTokenizer.Load(modelPath, useBos: settings.AddBosToken ?? true,
                extraStopTokenIds: [.. settings.GenerationEosIds, .. settings.ConfigEosIds]);
        }
        throw new CheckpointException(
            $"The checkpoint folder {checkpointFolder} has no tokenizer: looked for {TokenizerJsonFile.FileName} and {SentencePieceTextTokenizer.FileName}.");
    }

    private static HuggingFaceBpeTokenizer CreateByteLevelBpe(TokenizerJsonContent content, CheckpointTokenSettings settings, string folder)
    {
        var definition = content.Definition!;
        var vocabularySize = definition.VocabularySize;
        var tokenizerConfigPath = Path.Combine(folder, CheckpointTokenSettings.TokenizerConfigFileName);
        var added = definition.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        int IdOf(string token, string where) =>
            added.TryGetValue(token, out var id) || definition.Vocabulary.TryGetValue(token, out id)
                ? id
                : throw new CheckpointException($"{where}: token \"{token}\" is not in the vocabulary of {TokenizerJsonFile.FileName}.");

        // Prepend BOS where HF would: a post-processor template that starts with it, or add_bos_token.
        int? bos = content.PrependedToken is { } prepended
            ? IdOf(prepended, Path.Combine(folder, TokenizerJsonFile.FileName) + " post_processor")
            : settings.AddBosToken == true && settings.BosToken is { } bosToken
                ? IdOf(bosToken, tokenizerConfigPath + " bos_token")
                : null;

        var stops = new List<int>();
        CheckIds(settings.GenerationEosIds, Path.Combine(folder, CheckpointTokenSettings.GenerationConfigFileName), vocabularySize);
        CheckIds(settings.ConfigEosIds, Path.Combine(folder, CheckpointTokenSettings.ModelConfigFileName), vocabularySize);
        stops.AddRange(settings.GenerationEosIds);
        stops.AddRange(settings.ConfigEosIds);
        if (settings.EosToken is { } eos) stops.Add(IdOf(eos, tokenizerConfigPath + " eos_token"));
        stops.AddRange(EndOfTextTokens.Where(added.ContainsKey).Select(t => added[t]));
        if (stops.Count == 0)
            throw new CheckpointException(
                $"The checkpoint folder {folder} defines no end-of-text token: none of eos_token_id in {CheckpointTokenSettings.GenerationConfigFileName} "
                + $"or {CheckpointTokenSettings.ModelConfigFileName}, eos_token in {CheckpointTokenSettings.TokenizerConfigFileName}, "
                + $"or an added token {string.Join(" / ", EndOfTextTokens)} in {TokenizerJsonFile.FileName}.");
        try
        {
            return HuggingFaceBpeTokenizer.Create(definition, bos, stops);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // The library refuses merges of symbols that are not in the vocabulary.
            throw new CheckpointException($"{Path.Combine(folder, TokenizerJsonFile.FileName)}: {e.Message}", e);
        }
    }

    private static void CheckIds(IReadOnlyList<int> ids, string path, int vocabularySize)
    {
        foreach (var id in ids.Where(id => id >= vocabularySize))
            throw new CheckpointException($"{path}: eos_token_id {id} is outside the tokenizer's vocabulary of {vocabularySize}.");
    }
}
