using static TorchSharp.torch;

namespace Sdpo.Engine.Models;

/// <summary>
/// Preallocated keys and values of every layer, [B, kv_heads, capacity, head_dim] each, filled left to right:
/// a forward pass with the cache writes its T new positions at <see cref="Length"/> and attends to all
/// positions before them. After <see cref="ShareRows"/>, rows that began from the same prompt read that prompt's
/// positions from one shared copy (a <see cref="SharedPrompts"/>) and hold only the positions after it.
/// The tensors belong to the cache (outside any dispose scope): dispose it when done.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private SharedPrompts? _shared;

    public KvCache(ModelConfig config, int batchSize, int capacity, ScalarType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (capacity > config.MaxPositionEmbeddings)
            throw new ContextLengthException(capacity, config.MaxPositionEmbeddings, "KV cache");
        Capacity = capacity;
        BatchSize = batchSize;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            _keys[layer] = zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
            _values[layer] = zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>Positions already filled (the same for every row; left padding keeps rows aligned).</summary>
    public int Length { get; private set; }

    public int Capacity { get; }

    public int BatchSize { get; private set; }

    /// <summary>The prompts' positions that rows read in place since <see cref="ShareRows"/>; null before.</summary>
    internal SharedPrompts? Shared => _shared;

    /// <summary>Writes the new keys and values [B, kv_heads, T, head_dim] of one layer at <see cref="Length"/>
    /// and returns views of everything cached so far for that layer, [B, kv_heads, Length + T, head_dim]; with
    /// <see cref="Shared"/> prompts, only of the positions after them.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var start = Length - (_shared?.Length ?? 0);
        var newLength = start + (int)keys.shape[2];
        _keys[layer].narrow(2, start, keys.shape[2]).copy_(keys);
        _values[layer].narrow(2, start, values.shape[2]).copy_(values);
        return (_keys[layer].narrow(2, 0, newLength), _values[layer].narrow(2, 0, newLength));
    }

    /// <summary>Called once per forward pass, after every layer has appended its T positions.</summary>
    internal void Advance(int count) => Length += count;

    /// <summary>Keeps only the given batch rows (in that order, a row may be given more than once), e.g. to drop
    /// finished sequences or to give each prompt of a batch its copy of a distinct prompt's row.</summary>
    public void KeepRows(IReadOnlyList<long> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("At least one row must remain.", nameof(rows));
        if (rows.Any(row => row < 0 || row >= BatchSize))
            throw new ArgumentOutOfRangeException(nameof(rows), $"Rows must lie in [0, {BatchSize}).");
        using var scope = NewDisposeScope();
        var index = tensor(rows.ToArray(), device: _keys[0].device);
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], _keys[layer].index_select(0, index));
            Replace(ref _values[layer], _values[layer].index_select(0, index));
        }
        _shared?.KeepRows(index);
        BatchSize = rows.Count;
    }

    /// <summary>
    /// Like <see cref="KeepRows"/> with each current row given to several new rows (a prompt sampled several times),
    /// but without copying: the positions cached so far stay as one copy per current row, which every new row of that
    /// prompt reads in place, and each new row gets room only for the positions that follow. Decoding from a long
    /// prompt then reads its keys and values once per step instead of once per row. Afterwards the cache takes one new
    /// position per row at a time (decoding) and can drop rows, but not repeat or copy them.
    /// </summary>
    public void ShareRows(IReadOnlyList<long> rows)
    {
        if (_shared is not null) throw new InvalidOperationException("The rows already share their prompts.");
        if (rows.Count == 0) throw new ArgumentException("At least one row must remain.", nameof(rows));
        if (rows.Any(row => row < 0 || row >= BatchSize))
            throw new ArgumentOutOfRangeException(nameof(rows), $"Rows must lie in [0, {BatchSize}).");
        if (Length == 0) throw new InvalidOperationException("An empty cache has no prompt to share.");
        using var scope = NewDisposeScope();
        var index = tensor(rows.ToArray(), device: _keys[0].device);
        _shared = new SharedPrompts(_keys, _values, Length, BatchSize, index);
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            var shape = _keys[layer].shape;
            Replace(ref _keys[layer], empty([rows.Count, shape[1], Capacity - Length, shape[3]], _keys[layer].dtype, _keys[layer].device));
            Replace(ref _values[layer], empty([rows.Count, shape[1], Capacity - Length, shape[3]], _values[layer].dtype, _values[layer].device));
        }
        BatchSize = rows.Count;
    }

    /// <summary>Turns a one-row cache into <paramref name="count"/> copies of that row, e.g. a prompt shared by a
    /// batch. Copies stay in the autograd graph, so a loss over the rows differentiates through the shared prefix.</summary>
    public void RepeatRow(int count)
    {
        if (BatchSize != 1 || _shared is not null) throw new InvalidOperationException($"Only a one-row cache can be repeated; this one holds {BatchSize} rows{(_shared is null ? "" : " that share prompts")}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count == 1) return; // already one row: a copy would only cost memory traffic
        using var scope = NewDisposeScope();
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], _keys[layer].repeat(count, 1, 1, 1));
            Replace(ref _values[layer], _values[layer].repeat(count, 1, 1, 1));
        }
        BatchSize = count;
    }

    /// <summary>Fills this empty one-row cache with the first <paramref name="length"/> positions of row 0 of
    /// <paramref name="source"/>, e.g. a prompt opening computed by an earlier call.</summary>
    public void CopyPrefix(KvCache source, int length)
    {
        if (BatchSize != 1 || Length != 0) throw new InvalidOperationException($"Only an empty one-row cache can be filled; this one holds {BatchSize} rows and {Length} positions.");
        if (source._shared is not null) throw new ArgumentException("The source cache's rows share their prompts; copy from a plain cache.", nameof(source));
        if (source._keys.Length != _keys.Length) throw new ArgumentException($"The source cache has {source._keys.Length} layers; this one has {_keys.Length}.", nameof(source));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, source.Length);
        if (length > Capacity) throw new ContextLengthException(length, Capacity, "KV cache capacity");
        using var scope = NewDisposeScope();
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer].narrow(2, 0, length).copy_(source._keys[layer].narrow(0, 0, 1).narrow(2, 0, length));
            _values[layer].narrow(2, 0, length).copy_(source._values[layer].narrow(0, 0, 1).narrow(2, 0, length));
        }
        Length = length;
    }

    /// <summary>Forgets every cached position (the memory is kept for reuse).</summary>
    public void Reset()
    {
        if (_shared is not null) throw new InvalidOperationException("A cache whose rows share their prompts cannot be reset.");
        Length = 0;
    }

    private static void Replace(ref Tensor slot, Tensor replacement)
    {
        slot.Dispose();
        slot = replacement.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values)) tensor.Dispose();
        _shared?.Dispose();
    }
}
