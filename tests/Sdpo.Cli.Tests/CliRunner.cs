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

    private static async Task<(int ExitCode, string Output, string StandardOutput, string StandardError)> RunCapturingAsync(string[] args)
    {
        using StringWriter captured = new(), standardOutput = new(), standardError = new();
        var output = TextWriter.Synchronized(new Tee(captured, standardOutput));
        var error = TextWriter.Synchronized(new Tee(captured, standardError));
        // Spectre's static console keeps the writer it first saw: give each run one bound to this capture.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
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
            var exitCode = await app.RunAsync(args);
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
    private sealed class Tee(TextWriter both, TextWriter own) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) { both.Write(value); own.Write(value); }
        public override void Write(string? value) { both.Write(value); own.Write(value); }
        public override void Write(char[] buffer, int index, int count) { both.Write(buffer, index, count); own.Write(buffer, index, count); }
    }
}
