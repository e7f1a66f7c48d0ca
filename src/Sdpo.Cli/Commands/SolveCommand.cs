using System.ComponentModel;
using System.Globalization;
using Sdpo.Engine.Discovery;
using Sdpo.Verifiers.Arithmetic;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>Searches for a passing answer to one arithmetic puzzle in this process, showing every attempt as it comes.</summary>
public sealed class SolveCommand : AsyncCommand<SolveCommand.Settings>
{
    public sealed class Settings : CommandSettings, ISamplingSettings
    {
        [CommandOption("--numbers <LIST>")] [Description("The puzzle's numbers, comma-separated (e.g. 3,5,7).")]
        public string? Numbers { get; init; }

        [CommandOption("--target <N>")] [Description("The value the expression must reach.")]
        public int? Target { get; init; }

        [CommandOption("--problem <FILE>")] [Description("A JSON problem file instead: {\"kind\": \"arithmetic\", \"numbers\": [[3, 5, 7]], \"target\": 22}.")]
        public string? ProblemFile { get; init; }

        [CommandOption("--model <FOLDER>")] [Description("Checkpoint folder (default: src/models/arithmetic).")]
        public string? Model { get; init; }

        [CommandOption("--device <DEVICE>")] [DeviceName] [Description("cpu (default), cuda or cuda:N.")] public string Device { get; init; } = "cpu";

        [CommandOption("--method <METHOD>")] [Description("sdpo (default), best-of-k, multi-turn or self-teacher.")]
        public string Method { get; init; } = "sdpo";

        [CommandOption("--budget <N>")] [Description("Most attempts (default 64).")] public int Budget { get; init; } = 64;
        [CommandOption("-g|--group <G>")] [Description("Attempts per step (default 8).")] public int Group { get; init; } = 8;
        [CommandOption("--chains <N>")] [Description("multi-turn and self-teacher: chains that carry feedback from step to step, each drawing G / N attempts a step (default G).")]
        public int? Chains { get; init; }
        [CommandOption("--seed <N>")] [Description("Seed of the run's sampling and updates (default 1).")] public long Seed { get; init; } = 1;
        [CommandOption("--temperature <T>")] [Description("Sampling temperature, above 0 and at most 10 (default 1: the model's own distribution, which SDPO's distillation assumes).")]
        public double Temperature { get; init; } = 1.0;
        [CommandOption("--constrained")] [Description("Sample only well-formed answers that use each number once (the puzzle's grammar).")]
        public bool Constrained { get; init; }
        [CommandOption("--distinct")] [Description("Draw again any sample whose answer already failed or repeats one of its step.")]
        public bool Distinct { get; init; }
        [CommandOption("--distinct-equivalent")] [Description("With --distinct (implied): also draw again any sample the verifier declares equivalent to a failed answer or to another of its step, for arithmetic the same numbers and value (sampling.distinctEquivalence).")]
        public bool DistinctEquivalent { get; init; }
        [CommandOption("--lr <RATE>")] [Description("SDPO learning rate (overrides --sdpo's learningRate).")] public double? LearningRate { get; init; }
        [CommandOption("--sdpo <JSON>")] [Description("SDPO options as in the service's requests, e.g. {\"maxDistilledAttempts\": 2, \"teacher\": \"ema\"}; unset fields keep the model's defaults (its sdpo_defaults.json, then the paper's), and null keeps them all (as the service's \"sdpo\": null).")]
        public string? SdpoJson { get; init; }
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (ProblemFile is null && (Numbers is null || Target is null))
                return ValidationResult.Error("Give the puzzle as --numbers 3,5,7 --target 22, or as --problem <file.json>.");
            if (ProblemFile is not null && (Numbers is not null || Target is not null))
                return ValidationResult.Error("Give either --problem or --numbers/--target, not both.");
            if (!DiscoveryMethodNames.TryParse(Method, out _)) return ValidationResult.Error($"--method: unknown method '{Method}'; methods are {DiscoveryMethodNames.All}.");
            if (DiscoveryFlags.Check(Budget, Group, Chains, Temperature) is { } rangeError) return ValidationResult.Error(rangeError);
            if (!SdpoOptionsJson.TryParse(SdpoJson, LearningRate, null, out _, out var sdpoError)) return ValidationResult.Error(sdpoError);
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
        ArithmeticPuzzle puzzle;
        DiscoveryRequest request;
        try
        {
            puzzle = ReadPuzzle(settings);
            DiscoveryMethodNames.TryParse(settings.Method, out var method);
            request = new DiscoveryRequest(puzzle.ToProblem(), puzzle.CreateVerifier(), method,
                new DiscoveryBudget(settings.Budget, settings.Group, settings.Chains),
                settings.ToSampling(),
                null,
                settings.Seed);
            request.Validate();
        }
        catch (Exception ex) when (ex is InvalidArithmeticPuzzleException or ArgumentException or IOException or FormatException)
        {
            CliErrors.Print(ex.Message);
            return 2;
        }

        string folder;
        try
        {
            folder = CliModel.ResolveFolder(settings.Model);
        }
        catch (DirectoryNotFoundException ex)
        {
            CliErrors.Print(ex.Message);
            return 2;
        }
        using var model = await CliModel.LoadAsync(folder, settings.Device);
        // --sdpo's fields and --lr lie over the model's recommended options; without them the engine uses those options.
        if (settings.SdpoJson is not null || settings.LearningRate is not null)
            request = request with { Sdpo = SdpoOptionsJson.Parse(settings.SdpoJson, settings.LearningRate, model.SdpoDefaults) };
        var engine = new LocalDiscoveryEngine(model);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(ArithmeticLabel(puzzle))}[/] with [bold]{DiscoveryMethodNames.ToWire(request.Method)}[/] on {Markup.Escape(model.Name)} " +
                               $"({settings.Budget} attempts, {settings.Group} per step, seed {settings.Seed})");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        int attempts = 0;
        await foreach (var e in engine.RunAsync(request, cancellationToken: cancellationToken))
        {
            switch (e)
            {
                case AttemptEvaluated a:
                    attempts = a.Index + 1;
                    var colour = a.Verdict.Passed ? "green" : "red";
                    AnsiConsole.MarkupLine($"[grey]#{a.Index,4} s{a.Step,-3}[/] {Markup.Escape(OneLine(a.Text)),-28} [{colour}]{a.Verdict.Status}[/] [grey]{Markup.Escape(OneLine(a.Verdict.Feedback))}[/]");
                    break;
                case StepCompleted s:
                    var training = s.Loss is { } loss
                        ? $" · loss {loss.ToString("F4", CultureInfo.InvariantCulture)} · {s.TrainedAttempts} trained{TeacherFigures(s)}"
                        : "";
                    var ms = s.Timings.SamplingMs + s.Timings.VerifyingMs + s.Timings.TeacherMs + s.Timings.UpdateMs;
                    AnsiConsole.MarkupLine($"[blue]step {s.Step}[/] · {s.AttemptsSoFar} attempts · {s.AttemptsSoFar / clock.Elapsed.TotalSeconds:F1}/s · {ms:F0} ms{training}");
                    break;
                case Discovered d:
                    AnsiConsole.MarkupLine($"[green bold]Discovered[/] at attempt {d.AttemptIndex + 1}: [bold]{Markup.Escape(OneLine(d.Text))}[/] ({clock.Elapsed.TotalSeconds:F1} s)");
                    return 0;
                case Exhausted x:
                    AnsiConsole.MarkupLine($"[yellow]No passing answer in {x.Attempts} attempts[/] ({clock.Elapsed.TotalSeconds:F1} s)");
                    return 1;
                case Cancelled c:
                    AnsiConsole.MarkupLine($"[yellow]Cancelled after {c.Attempts} attempts[/]");
                    return 1;
                case Failed f:
                    AnsiConsole.MarkupLine($"[red]Failed: {Markup.Escape(f.Reason)}[/]");
                    return 3;
            }
        }
        AnsiConsole.MarkupLine($"[red]The engine ended without a final event after {attempts} attempts.[/]");
        return 3;
    }

    private static ArithmeticPuzzle ReadPuzzle(Settings settings)
    {
        if (settings.ProblemFile is { } file)
        {
            if (!File.Exists(file)) throw new IOException($"--problem: the file '{file}' does not exist.");
            try
            {
                return ArithmeticPuzzle.FromJson(File.ReadAllText(file));
            }
            catch (InvalidArithmeticPuzzleException ex)
            {
                throw new InvalidArithmeticPuzzleException("problem", $"{file}: {ex.Message}");
            }
        }
        var numbers = settings.Numbers!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"--numbers: '{n}' is not an integer."))
            .ToList();
        return new ArithmeticPuzzle(numbers, settings.Target!.Value);
    }

    private static string ArithmeticLabel(ArithmeticPuzzle puzzle) => $"{string.Join(' ', puzzle.Numbers)} -> {puzzle.Target}";

    /// <summary>What the teacher said this step: the mean per-token divergence distilled, and the mean log-ratio
    /// log π_teacher(y_t) − log π_student(y_t) on the attempts' own tokens (below zero: the feedback makes them less likely).</summary>
    private static string TeacherFigures(StepCompleted step) =>
        step is { MeanDivergence: { } divergence, MeanTeacherStudentLogRatio: { } logRatio }
            ? string.Create(CultureInfo.InvariantCulture, $" · divergence {divergence:F4} · teacher−student log-ratio {logRatio:+0.0000;−0.0000;0.0000}")
            : "";

    /// <summary>One terminal line: line breaks as ⏎, other control or replacement characters as ·, at most 60 characters.</summary>
    private static string OneLine(string text)
    {
        var line = new string(text.ReplaceLineEndings("⏎").Trim().Select(c => char.IsControl(c) || c == '\uFFFD' ? '·' : c).ToArray());
        return line.Length <= 60 ? line : line[..57] + "...";
    }
}
