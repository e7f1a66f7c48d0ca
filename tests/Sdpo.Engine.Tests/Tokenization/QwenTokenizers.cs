using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.TestSupport;

namespace Sdpo.Engine.Tests.Tokenization;

/// <summary>The two 150k-vocabulary Qwen tokenizers, each loaded once for all tests that need it.</summary>
public sealed class QwenTokenizers
{
    public const string Qwen3 = "tokenizers/qwen3";
    public const string Qwen25 = "tokenizers/qwen2_5";

    private readonly Lazy<HuggingFaceBpeTokenizer> _qwen3 = new(() => LoadShared(Qwen3));
    private readonly Lazy<HuggingFaceBpeTokenizer> _qwen25 = new(() => LoadShared(Qwen25));

    public HuggingFaceBpeTokenizer Get(string sharedFolder) => sharedFolder switch
    {
        Qwen3 => _qwen3.Value,
        Qwen25 => _qwen25.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(sharedFolder), sharedFolder, null),
    };

    private static HuggingFaceBpeTokenizer LoadShared(string folder) =>
        Assert.IsType<HuggingFaceBpeTokenizer>(TokenizerLoader.Load(SharedData.Require(folder)));
}

[CollectionDefinition(Name)]
public sealed class QwenTokenizerCollection : ICollectionFixture<QwenTokenizers>
{
    public const string Name = "Qwen tokenizers";
}
