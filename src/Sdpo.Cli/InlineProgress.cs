namespace Sdpo.Cli;

/// <summary>Reports on the caller's thread at once (System.Progress posts to the thread pool, which lags a busy loop).</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
