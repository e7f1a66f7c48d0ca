namespace Sdpo.Engine.Sdpo;

/// <summary>
/// A run's recent prompt encodings. A step asks for the same contexts' tokens more than once (every row of a step
/// shares the question; a teacher context is counted to fit it, then encoded to score it), and tokenizing a teacher
/// context of a few hundred tokens costs about a tenth of a millisecond. Holds at most <c>capacity</c> entries,
/// forgetting them all when full. Safe to call from any thread.
/// </summary>
public sealed class PromptEncodings(Func<string, IReadOnlyList<int>> encode, int capacity = 64)
{
    private readonly Dictionary<string, IReadOnlyList<int>> _recent = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public IReadOnlyList<int> Encode(string prompt)
    {
        lock (_lock)
        {
            if (_recent.TryGetValue(prompt, out var ids)) return ids;
            if (_recent.Count >= capacity) _recent.Clear();
            return _recent[prompt] = encode(prompt).ToArray();
        }
    }
}
