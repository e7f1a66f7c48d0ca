using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>
/// The cached prompt positions of a <see cref="KvCache"/> whose rows share prompts (<see cref="KvCache.ShareRows"/>):
/// one copy per distinct prompt, laid out per layer as [kv_heads, prompts × length, head_dim] so that one matrix
/// product scores every row's query against every prompt, and which prompt each row began from.
/// </summary>
internal sealed class SharedPrompts : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor _ownPrompt; // [rows, prompts] true at each row's prompt

    /// <param name="keys">per layer, the cache's [prompts, kv_heads, capacity, head_dim] keys; the first
    /// <paramref name="length"/> positions are copied</param>
    /// <param name="promptOfRow">[rows] int64, the prompt row each new row reads</param>
    public SharedPrompts(Tensor[] keys, Tensor[] values, int length, int prompts, Tensor promptOfRow)
    {
        Length = length;
        Prompts = prompts;
        _keys = keys.Select(Flatten).ToArray();
        _values = values.Select(Flatten).ToArray();
        _ownPrompt = promptOfRow.unsqueeze(1).eq(arange(prompts, device: promptOfRow.device).unsqueeze(0)).DetachFromDisposeScope();
        Tensor Flatten(Tensor cached) =>
            cached.narrow(2, 0, length).permute(1, 0, 2, 3).reshape(cached.shape[1], prompts * length, cached.shape[3]).DetachFromDisposeScope();
    }

    /// <summary>Positions of each prompt (prompts are left-padded to a common length).</summary>
    public int Length { get; }

    public int Prompts { get; }

    /// <summary>[kv_heads, prompts × length, head_dim]: prompt p's positions are columns p·length to (p + 1)·length.</summary>
    public (Tensor Keys, Tensor Values) Layer(int layer) => (_keys[layer], _values[layer]);

    /// <summary>[rows, prompts × length] true where a row may attend to a prompt column: its own prompt's positions
    /// that its padding mask <paramref name="promptMask"/> [rows, length] marks real.</summary>
    public Tensor Visible(Tensor promptMask)
    {
        using var scope = NewDisposeScope();
        var visible = _ownPrompt.unsqueeze(2).logical_and(promptMask.to(ScalarType.Bool).unsqueeze(1));
        return visible.reshape(_ownPrompt.shape[0], Prompts * Length).MoveToOuterDisposeScope();
    }

    /// <summary>Keeps the given rows (by index into the current rows).</summary>
    public void KeepRows(Tensor rows)
    {
        var kept = _ownPrompt.index_select(0, rows).DetachFromDisposeScope();
        _ownPrompt.Dispose();
        _ownPrompt = kept;
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values)) tensor.Dispose();
        _ownPrompt.Dispose();
    }
}
