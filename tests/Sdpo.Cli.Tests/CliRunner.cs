using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Tests;

/// <summary>Runs a CLI command in this process, capturing what it prints (standard output and error). Console output is process-wide,
/// so every test that uses this belongs to one collection and runs alone.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var captured = new StringWriter();
        var synchronized = TextWriter.Synchronized(captured);
        // Spectre's static console keeps the writer it first saw: give each run one bound to this capture.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(synchronized) });
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ConfigureConsole(console);
            CliCommands.Register(config, args);
        });
        var (originalOut, originalError, originalConsole) = (Console.Out, Console.Error, AnsiConsole.Console);
        AnsiConsole.Console = console;
        Console.SetOut(synchronized);
        Console.SetError(synchronized);
        try
        {
            var exitCode = await app.RunAsync(args);
            return (exitCode, captured.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            AnsiConsole.Console = originalConsole;
        }
    }
}
