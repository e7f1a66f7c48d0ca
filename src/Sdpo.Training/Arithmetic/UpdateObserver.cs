using Sdpo.Engine.Discovery;

namespace Sdpo.Training.Arithmetic;

/// <summary>A policy that calls back after each of its inner policy's updates, before the loop samples again:
/// a way to look at what one SDPO step changed while the ordinary discovery loop drives the run.</summary>
internal sealed class UpdateObserver(IDiscoveryPolicy inner, Func<UpdateFigures, Task> afterUpdate) : IDiscoveryPolicy
{
    public int CountContextTokens(string context) => inner.CountContextTokens(context);

    public int MaxContextTokens => inner.MaxContextTokens;

    public Task<IReadOnlyList<SampledAttempt>> SampleAsync(IReadOnlyList<string> contexts, AttemptSampling sampling, long seed, CancellationToken cancellationToken) =>
        inner.SampleAsync(contexts, sampling, seed, cancellationToken);

    public async Task<UpdateFigures> UpdateAsync(IReadOnlyList<TrainingAttempt> attempts, CancellationToken cancellationToken)
    {
        var figures = await inner.UpdateAsync(attempts, cancellationToken);
        await afterUpdate(figures);
        return figures;
    }

    public Task SaveAsync(string directory, CancellationToken cancellationToken) => inner.SaveAsync(directory, cancellationToken);

    public Task LoadAsync(string directory, CancellationToken cancellationToken) => inner.LoadAsync(directory, cancellationToken);

    /// <summary>The caller owns the inner policy and disposes it.</summary>
    public void Dispose() { }
}
