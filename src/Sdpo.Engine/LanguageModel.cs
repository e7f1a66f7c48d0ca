using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Engine;

/// <summary>
/// A loaded checkpoint ready for discovery: the model, its tokenizer, how a user prompt becomes model input,
/// and the one thread that may run its torch work.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private readonly Func<string, string> _formatPrompt;
    private readonly bool _prependBos;

    public LanguageModel(string name, CausalLM model, ITextTokenizer tokenizer, Func<string, string> formatPrompt, bool prependBos, DeviceThread thread)
    {
        Name = name;
        Model = model;
        Tokenizer = tokenizer;
        _formatPrompt = formatPrompt;
        _prependBos = prependBos && tokenizer.BosTokenId is not null;
        Thread = thread;
    }

    public string Name { get; }
    public CausalLM Model { get; }
    public ITextTokenizer Tokenizer { get; }
    public DeviceThread Thread { get; }
    public int ContextLength => Model.Config.MaxPositionEmbeddings;

    /// <summary>The token ids the model continues for a raw user prompt (formatted, BOS where the model uses one).</summary>
    public IReadOnlyList<int> EncodePrompt(string prompt)
    {
        var ids = Tokenizer.Encode(_formatPrompt(prompt));
        if (!_prependBos) return ids;
        var withBos = new List<int>(ids.Count + 1) { Tokenizer.BosTokenId!.Value };
        withBos.AddRange(ids);
        return withBos;
    }

    public void Dispose()
    {
        Thread.Dispose();
        Model.Dispose();
    }
}
