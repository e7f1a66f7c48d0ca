using System.Globalization;
using System.Reflection;
using Sdpo.Cli.Commands;
using Sdpo.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli;

/// <summary>The <c>sdpo</c> command line: its commands, and strict parsing, so that a mistyped option (say --budjet) is
/// an error rather than silently left at its default. The program and the tests configure the app through this.</summary>
public static class CliCommands
{
    /// <param name="args">The command line the app will run, for error messages that name the option at fault.</param>
    public static void Register(IConfigurator config, IReadOnlyList<string> args)
    {
        var settingsTypes = new Dictionary<string, Type>();
        void Add<TCommand>(string name, string description) where TCommand : class, ICommand
        {
            config.AddCommand<TCommand>(name).WithDescription(description);
            settingsTypes[name] = typeof(TCommand).BaseType!.GetGenericArguments()[0];
        }

        config.SetApplicationName("sdpo");
        config.UseStrictParsing();
        Add<PretrainCommand>("pretrain", "Train the embedded arithmetic model from scratch.");
        Add<EvalCommand>("eval", "Measure an arithmetic model: pass@k by tier, hard puzzles, teacher advantage.");
        Add<SolveCommand>("solve", "Search for a passing answer to one arithmetic puzzle, showing every attempt.");
        Add<ProbeCommand>("probe", "How much each SDPO update raises the probability of hard puzzles' known solutions.");
        Add<BenchCommand>("bench", "Benchmark methods on a problem set or suite: results.json, plot.png and plot.svg.");
        Add<BenchEngineCommand>("bench-engine", "Sampling and LoRA-step throughput, KV-cache speed-up, memory over many steps.");
        Add<BenchDiscoveryCommand>("bench-discovery", "Wall time per attempt of SDPO against best-of-k, its split, memory over a long run.");
        Add<BenchVerifiersCommand>("bench-verifiers", "Python verifications per second on HumanEval, sandboxed and not.");

        config.SetExceptionHandler((exception, _) =>
        {
            // Ctrl+C in a command with no partial result to keep (eval, probe, the benchmarks): it stops where it was.
            if (exception is OperationCanceledException)
            {
                CliErrors.Print("Cancelled.");
                return config.Settings.CancellationExitCode;
            }
            // Spectre names the type, not the option, and for an optional number the type is "Nullable`1".
            string? message = exception is CommandRuntimeException && exception.Message.StartsWith("Failed to convert", StringComparison.Ordinal)
                              && args.Count > 0 && settingsTypes.TryGetValue(args[0], out var settings)
                ? DescribeBadNumber(args, settings)
                : null;
            if (message is null && exception is CommandAppException { Pretty: { } pretty })
                CliErrors.Write(pretty);
            else
                CliErrors.Write(new Markup($"[red]Error:[/] {Markup.Escape(message ?? exception.Message)}{Environment.NewLine}"));
            // Spectre's parse and validation errors: the command line is at fault; so is a model folder that does not load
            // (--model, --init-from), whichever command loads it. Anything else is unexpected (Spectre's -1, 255).
            return exception is CommandAppException or CheckpointException ? CliErrors.BadInput : -1;
        });
    }

    /// <summary>The first number option in <paramref name="args"/> whose value does not parse, as "--target expects an
    /// integer, got 'abc'."; null when every one parses.</summary>
    internal static string? DescribeBadNumber(IReadOnlyList<string> args, Type settings)
    {
        var numberTypes = new Dictionary<string, Type>();
        foreach (var property in settings.GetProperties())
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option) continue;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            foreach (var name in option.LongNames.Select(n => "--" + n).Concat(option.ShortNames.Select(n => "-" + n))) numberTypes[name] = type;
        }
        for (int i = 1; i < args.Count; i++)
        {
            int separator = args[i].StartsWith('-') ? args[i].IndexOfAny(['=', ':']) : -1;
            var (name, value) = separator > 0 ? (args[i][..separator], args[i][(separator + 1)..]) : (args[i], i + 1 < args.Count ? args[i + 1] : null);
            if (!numberTypes.TryGetValue(name, out var type)) continue;
            bool isInteger = type == typeof(int) || type == typeof(long);
            if (!isInteger && type != typeof(double)) continue;
            bool parses = value is not null && (type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : type == typeof(long) ? long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            if (parses) continue;
            string expected = isInteger ? "an integer" : "a number";
            return value is null || (value.StartsWith('-') && separator < 0 && numberTypes.ContainsKey(value.Split('=', ':')[0]))
                ? $"{name} expects {expected}, and no value was given."
                : $"{name} expects {expected}, got '{value}'.";
        }
        return null;
    }
}
