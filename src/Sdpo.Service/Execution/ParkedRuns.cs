using System.Collections.Concurrent;

namespace Sdpo.Service.Execution;

/// <summary>
/// The runs <see cref="RunRecovery"/> left waiting at this start because their model is not configured: neither queued nor
/// held in <see cref="RunControl"/>, so a cancel would otherwise take them for runs a shutdown stopped, or for ended ones
/// still saving. Known by id, never guessed from their failure reason. A run leaves the set when a cancel ends it.
/// </summary>
public sealed class ParkedRuns
{
    private readonly ConcurrentDictionary<Guid, byte> _runs = new();

    public void Add(Guid runId) => _runs.TryAdd(runId, 0);

    public bool Contains(Guid runId) => _runs.ContainsKey(runId);

    public void Remove(Guid runId) => _runs.TryRemove(runId, out _);

    public int Count => _runs.Count;
}
