using System.Runtime.InteropServices;

namespace Sdpo.Cli;

/// <summary>Turns the first Ctrl+C (SIGINT) or SIGTERM into a cancellation of <see cref="Token"/>, the token every command
/// takes, so that the command stops cleanly: <c>solve</c> reports its attempts, <c>bench</c> writes the results it has,
/// <c>pretrain</c> saves a checkpoint. A second signal is left to its default handling, which ends the process at once.
/// Spectre.Console.Cli hooks no signal itself: without this a Ctrl+C killed the process before any of that.</summary>
public sealed class ConsoleCancellation : IDisposable
{
    /// <summary>Printed on standard error at the first signal.</summary>
    public const string Notice = "Cancelling: the command stops at its next safe point and keeps what it has (a second Ctrl+C or SIGTERM stops it at once).";

    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Action<string> _notify;
    private int _signals;

    /// <param name="register">Whether to hook SIGINT and SIGTERM (off for tests that call <see cref="OnSignal"/> themselves).</param>
    /// <param name="notify">Where the notice goes; standard error by default.</param>
    public ConsoleCancellation(bool register = true, Action<string>? notify = null)
    {
        _notify = notify ?? (message => Console.Error.WriteLine(message));
        if (!register) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, context => context.Cancel = OnSignal()));
            }
            catch (Exception e) when (e is PlatformNotSupportedException or IOException)
            {
                // Left to its default handling where the platform cannot hook it.
            }
        }
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Handles one signal: the first cancels <see cref="Token"/> and returns true (the process lives on to stop
    /// cleanly); a later one returns false, leaving the signal to its default handling.</summary>
    public bool OnSignal()
    {
        if (Interlocked.Increment(ref _signals) > 1) return false;
        try
        {
            _notify(Notice);
        }
        catch (IOException)
        {
            // A closed standard error must not keep the command from stopping.
        }
        // Off the signal thread: a cancellation callback that blocks must not hold back a second signal.
        ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), _source, preferLocal: false);
        return true;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }
}
