using System.Text.Json;
using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.Prompting;
using Sdpo.Engine.Tokenization.SentencePiece;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>The SentencePiece tokenizer.model of the stories260k Llama checkpoint against llama2.c's ids and texts.</summary>
public class StoriesTokenizerTests
{
    private const string Folder = "models/stories260k";
    private const string Goldens = Folder + "/goldens.json";

    private static readonly Lazy<ITextTokenizer> Tokenizer = new(() => TokenizerLoader.Load(SharedData.Require(Folder)));

    [SharedDataFact(Folder)]
    public void LoadsTheSentencePieceModelWithBosAndStopsAtBosOrEos()
    {
        var tokenizer = Assert.IsType<SentencePieceTextTokenizer>(Tokenizer.Value);
        Assert.Equal(512, tokenizer.VocabularySize);
        Assert.Equal(1, tokenizer.BosTokenId);
        // llama2.c models separate training stories with BOS and never emit EOS (2).
        Assert.Equal(new[] { 1, 2 }, tokenizer.StopTokenIds.Order());
    }

    [SharedDataFact(Folder)]
    public void EncodesOnceUponATimeAfterBos()
    {
        var tokenizer = Tokenizer.Value;
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, (int[])[tokenizer.BosTokenId!.Value, .. tokenizer.Encode("Once upon a time")]);
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, PromptFormat.Plain.Encode(tokenizer, "Once upon a time"));
    }

    [SharedDataFact(Folder)]
    public void EmptyPromptIsBosAlone()
    {
        Assert.Empty(Tokenizer.Value.Encode(""));
        Assert.Equal(new[] { 1 }, PromptFormat.Plain.Encode(Tokenizer.Value, ""));
    }

    /// <summary>Cases where the library's BPE tie-break agrees with llama2.c (it merges the rightmost of two
    /// overlapping equal pairs, "ooo"; those cases are flagged false and only checked by decoding).</summary>
    [SharedDataFact(Goldens)]
    public void ReproducesLlama2cIdsWhereTheLibraryAgrees()
    {
        var cases = ReadTokenizerCases();
        var agreeing = cases.Where(c => c.SameInLibrary).ToArray();
        Assert.True(agreeing.Length >= 30, $"only {agreeing.Length} agreeing cases");
        foreach (var (text, expected, _) in agreeing)
        {
            int[] actual = [1, .. Tokenizer.Value.Encode(text)];
            Assert.True(expected.SequenceEqual(actual),
                $"\"{text}\"\nexpected [{string.Join(", ", expected)}]\nactual   [{string.Join(", ", actual)}]");
        }
    }

    [SharedDataFact(Goldens)]
    public void DecodesEveryCaseBackToItsText()
    {
        foreach (var (text, ids, _) in ReadTokenizerCases())
        {
            Assert.Equal(text, Tokenizer.Value.Decode(ids));
            Assert.Equal(text, Tokenizer.Value.Decode(Tokenizer.Value.Encode(text)));
        }
    }

    [SharedDataTheory(Goldens)]
    [InlineData("prompt_greedy")]
    [InlineData("bos_greedy_200")]
    [InlineData("bos_greedy_256")]
    public void DecodingGoldenGreedyIdsGivesTheGoldenText(string run)
    {
        var golden = ReadGoldens().GetProperty(run);
        int[] ids = [.. ReadIds(golden.GetProperty("prompt_ids")), .. ReadIds(golden.GetProperty("new_ids"))];
        Assert.Equal(golden.GetProperty("text").GetString(), Tokenizer.Value.Decode(ids));
    }

    private static JsonElement ReadGoldens() => TokenizerCase.ReadJson(SharedData.Require(Goldens));

    private static int[] ReadIds(JsonElement array) => array.EnumerateArray().Select(id => id.GetInt32()).ToArray();

    private static IReadOnlyList<(string Text, int[] Ids, bool SameInLibrary)> ReadTokenizerCases() =>
        ReadGoldens().GetProperty("tokenizer_cases").GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!, ReadIds(c.GetProperty("ids")), c.GetProperty("ml_tokenizers_2_0_1_same").GetBoolean()))
            .ToArray();
}
