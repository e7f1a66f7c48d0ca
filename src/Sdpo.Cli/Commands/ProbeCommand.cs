using System.ComponentModel;
using System.Text.Json;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// <c>sdpo probe</c>: how much each SDPO update raises the student's probability of the known solutions of hard
/// puzzles (<see cref="SolutionMassProbe"/>), a few minutes where a discovery benchmark takes a quarter of an hour.
/// </summary>
public sealed class ProbeCommand : AsyncCommand<ProbeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--problems <FILE>")] [Description("JSONL file, one arithmetic spec a line (e.g. a benchmark's hard set).")]
        public string? ProblemsFile { get; init; }

        [CommandOption("--model <FOLDER>")] [Description("Checkpoint folder (default: src/models/arithmetic).")] public string? Model { get; init; }
        [CommandOption("--seeds <N>")] [Description("Runs per puzzle, seeds 1 … N (default 2).")] public int Seeds { get; init; } = 2;
        [CommandOption("--updates <N>")] [Description("SDPO steps per run, each of G attempts and one update (default 4).")] public int Updates { get; init; } = 4;
        [CommandOption("-g|--group <G>")] [Description("Attempts per step (default 8).")] public int Group { get; init; } = 8;
        [CommandOption("--lr <RATE>")] [Description("SDPO learning rate (overrides --sdpo's learningRate).")] public double? LearningRate { get; init; }
        [CommandOption("--sdpo <JSON>")] [Description("SDPO options as in the service's requests; unset fields keep the model's defaults, and null keeps them all (as the service's \"sdpo\": null).")]
        public string? SdpoJson { get; init; }
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }
        [CommandOption("-o|--output <FOLDER>")] [Description("Where probe.json goes (default artifacts/probe).")] public string Output { get; init; } = "artifacts/probe";

        public override ValidationResult Validate()
        {
            if (ProblemsFile is null) return ValidationResult.Error("Give the puzzles with --problems <file.jsonl>.");
            if (Seeds < 1) return ValidationResult.Error("--seeds must be at least 1.");
            if (Updates < 1) return ValidationResult.Error("--updates must be at least 1.");
            if (DiscoveryFlags.Group("-g/--group", Group) is { } groupError) return ValidationResult.Error(groupError);
            // One run of --updates steps of G attempts.
            if (DiscoveryFlags.Attempts("--updates × -g", (long)Updates * Group) is { } attemptsError) return ValidationResult.Error(attemptsError);
            return SdpoOptionsJson.TryParse(SdpoJson, LearningRate, null, out _, out var error) ? ValidationResult.Success() : ValidationResult.Error(error);
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
        IReadOnlyList<ArithmeticPuzzle> puzzles;
        string folder;
        SdpoOptions options;
        try
        {
            puzzles = Cli.ProblemsFile.Read(settings.ProblemsFile!);
            folder = CliModel.ResolveFolder(settings.Model);
            options = SdpoOptionsJson.ParseForModel(settings.SdpoJson, settings.LearningRate, folder);
            OutputFolder.Create(settings.Output);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or EngineException)
        {
            CliErrors.Print(ex.Message);
            return 2;
        }

        using var model = await CliModel.LoadAsync(folder, "cpu");
        IReadOnlyList<SolutionMassRun> runs = [];
        // On standard error: standard output is the report.
        await CliErrors.StandardError().Progress().StartAsync(async progressContext =>
        {
            var task = progressContext.AddTask($"{settings.Updates} SDPO steps of {settings.Group} per run", maxValue: puzzles.Count * settings.Seeds);
            runs = await SolutionMassProbe.RunAsync(model, puzzles, settings.Seeds, settings.Updates, settings.Group, options,
                new InlineProgress<int>(done => task.Value = done), cancellationToken: cancellationToken);
        });
        // A run cut short by Ctrl+C would be averaged as a whole one: nothing partial is reported.
        cancellationToken.ThrowIfCancellationRequested();
        var steps = SolutionMassProbe.ByUpdate(runs, settings.Updates);

        var table = new Table().AddColumns("after update", "runs", "mean gain in log solution mass (nats)", "rose in", "mean teacher−student log-ratio", "found before");
        foreach (var s in steps) table.AddRow(s.Update.ToString(), s.Runs.ToString(), $"{s.MeanGain:+0.000;-0.000;0.000}", $"{s.SharePositive:P0}", $"{s.MeanTeacherStudentLogRatio:+0.000;-0.000;0.000}", s.FoundBefore.ToString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{runs.Count} runs on {runs.Select(r => r.Puzzle.ToJson()).Distinct().Count()} solvable puzzles; " +
                               $"{runs.Count(r => r.Discovered)} found an answer within {settings.Updates * settings.Group} attempts; " +
                               $"mean log solution mass before any update {(runs.Count > 0 ? runs.Average(r => r.InitialLogMass) : double.NaN):F2} nats.");

        var path = Path.Combine(settings.Output, "probe.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
        {
            model = folder,
            problems = Path.GetFullPath(settings.ProblemsFile!),
            settings.Seeds,
            settings.Updates,
            settings.Group,
            sdpo = JsonDocument.Parse(SdpoDefaults.Serialize(options)).RootElement,
            steps,
            runs = runs.Select(r => new { problem = JsonDocument.Parse(r.Puzzle.ToJson()).RootElement, r.Seed, r.Solutions, r.InitialLogMass, r.Gains, r.TeacherStudentLogRatios, r.Discovered }),
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), cancellationToken);
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(path)}");
        return 0;
    }
}
