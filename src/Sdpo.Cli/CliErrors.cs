using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sdpo.Cli;

/// <summary>How the commands report what stops them: on standard error, apart from their output (tables, live attempts),
/// and with <see cref="BadInput"/> as the exit code where the command line or an input file is at fault.</summary>
public static class CliErrors
{
    /// <summary>The exit code of a command line that cannot run: an unknown option, a value out of range, a missing file.</summary>
    public const int BadInput = 2;

    public static void Print(string message) => Write(new Markup($"[red]{Markup.Escape(message)}[/]{Environment.NewLine}"));

    public static void Write(IRenderable renderable) => StandardError().Write(renderable);

    /// <summary>A console on standard error, for what is not the command's output: its errors, and the progress of a
    /// command whose output is a report (tables, then the files written), so that standard output holds the report alone.</summary>
    public static IAnsiConsole StandardError() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
