using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Tests;

/// <summary>Runs a CLI command in this process, capturing what it prints (standard output and error). Console output is process-wide,
/// so every test that uses this belongs to one collection and runs alone.</summary>
internal static class CliRunner
{
    /// <summary>The exit code and everything printed, standard output and error interleaved.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var (exitCode, output, _, _) = await RunCapturingAsync(args);
        return (exitCode, output);
    }

    /// <summary>The exit code and standard output and error apart.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunSplitAsync(params string[] args)
    {
        var (exitCode, _, standardOutput, standardError) = await RunCapturingAsync(args);
        return (exitCode, standardOutput, standardError);
    }

    /// <summary>As <see cref="RunSplitAsync"/> with standard output taken for a terminal, where live displays (progress) render.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunInTerminalSplitAsync(params string[] args)
    {
        var (exitCode, _, standardOutput, standardError) = await RunCapturingAsync(args, interactive: true);
        return (exitCode, standardOutput, standardError);
    }

    /// <summary>Runs with the token a Ctrl+C cancels in the program (<see cref="ConsoleCancellation"/>), cancelled once the output
    /// shows <paramref name="cancelOnOutput"/>: from the thread pool, as the signal handler does, while the command goes on.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunCancellingAsync(string cancelOnOutput, params string[] args)
    {
        var cancellation = new ConsoleCancellation(register: false, notify: message => Console.Error.WriteLine(message));
        var (exitCode, _, standardOutput, standardError) = await RunCapturingAsync(args, cancellation.Token,
            output => output.Contains(cancelOnOutput, StringComparison.Ordinal) && cancellation.OnSignal());
        return (exitCode, standardOutput, standardError);
    }

    /// <param name="onOutput">Called with everything printed so far after each write, until it returns true.</param>
    private static async Task<(int ExitCode, string Output, string StandardOutput, string StandardError)> RunCapturingAsync(string[] args,
        CancellationToken cancellationToken = default, Func<string, bool>? onOutput = null, bool interactive = false)
    {
        using StringWriter captured = new(), standardOutput = new(), standardError = new();
        bool watching = onOutput is not null;
        void Written()
        {
            if (!watching) return;
            watching = false; // not again from what the callback itself prints
            watching = !onOutput!(captured.ToString());
        }
        var output = TextWriter.Synchronized(new Tee(captured, standardOutput, Written));
        var error = TextWriter.Synchronized(new Tee(captured, standardError, Written));
        // Spectre's static console keeps the writer it first saw: give each run one bound to this capture.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.Detect,
        });
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ConfigureConsole(console);
            CliCommands.Register(config, args);
        });
        var (originalOut, originalError, originalConsole) = (Console.Out, Console.Error, AnsiConsole.Console);
        AnsiConsole.Console = console;
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = await app.RunAsync(args, cancellationToken);
            return (exitCode, captured.ToString(), standardOutput.ToString(), standardError.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            AnsiConsole.Console = originalConsole;
        }
    }

    /// <summary>Writes to the interleaved capture and to one stream's own.</summary>
    private sealed class Tee(TextWriter both, TextWriter own, Action? written = null) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) { both.Write(value); own.Write(value); written?.Invoke(); }
        public override void Write(string? value) { both.Write(value); own.Write(value); written?.Invoke(); }
        public override void Write(char[] buffer, int index, int count) { both.Write(buffer, index, count); own.Write(buffer, index, count); written?.Invoke(); }
    }
}
