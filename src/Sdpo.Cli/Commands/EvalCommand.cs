using System.ComponentModel;
using System.Text.Json;
using Sdpo.Engine;
using Sdpo.Training.Arithmetic;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// Measures an arithmetic model on freshly generated puzzles (or on a --problems file, such as a benchmark's hard set):
/// pass@1 and pass@64 by tier, the puzzles it finds hard (written as JSONL problems for the benchmark), and the
/// self-teacher's advantage by kind of feedback.
/// </summary>
public sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <FOLDER>")] [Description("Checkpoint folder (default: src/models/arithmetic).")] public string? Model { get; init; }
        [CommandOption("--per-tier <N>")] [AtLeast(1, "--per-tier")] [Description("Puzzles per difficulty tier (default 25).")] public int PerTier { get; init; } = 25;
        [CommandOption("--samples <N>")] [AtLeast(1, "--samples")] [Description("Samples per puzzle; pass@k needs n ≥ k (default 64).")] public int Samples { get; init; } = 64;
        [CommandOption("--seed <N>")] [Description("Seed of the fresh puzzles' draw and of the samples (default 1000, the model card's).")] public int Seed { get; init; } = 1000;
        [CommandOption("--hard-threshold <P>")] [Description("A puzzle is hard when its pass@64 is below this (default 0.1).")] public double HardThreshold { get; init; } = 0.1;
        [CommandOption("-o|--output <FOLDER>")] [Description("Where eval.json and hard.jsonl go (default artifacts/eval).")] public string Output { get; init; } = "artifacts/eval";
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }
        [CommandOption("--constrained")] [Description("Sample inside each puzzle's answer grammar (well-formed, each number once), as sampling.constrained does.")]
        public bool Constrained { get; init; }
        [CommandOption("--problems <FILE>")] [Description("Evaluate these puzzles (JSONL, one arithmetic spec a line, e.g. a benchmark's hard set) instead of fresh ones by tier.")]
        public string? Problems { get; init; }
        [CommandOption("--advantage-cases <N>")] [Description("Failed attempts per puzzle whose teacher advantage is measured (distinct ones, against the correct answer nearest to each; default 2).")]
        public int AdvantageCases { get; init; } = 2;
        [CommandOption("--feedback-samples <N>")] [Description("Also draw N samples per puzzle after SDPO's teacher context with its first failure's feedback, for pass@1 with feedback against without (default 0: off).")]
        public int FeedbackSamples { get; init; }
        [CommandOption("--temperature <T>")] [Description("Sampling temperature of the n samples, above 0 and at most 10 (default 1, as discovery samples; the greedy answer is always temperature 0).")]
        public double Temperature { get; init; } = 1.0;
        [CommandOption("--eval-slice")] [Description("Draw only puzzles of the eval slice (one in ten, which pretraining leaves out since 2026-12-06), and say whether this model's training left it out.")]
        public bool EvalSliceOnly { get; init; }
        [CommandOption("--curriculum-overlap <N>")] [Description("Also count, per tier, the puzzles found among N draws of the pretraining curriculum (the shipped model trained on about 107,000), and pass@1 on the others (default 0: off).")]
        public int CurriculumOverlap { get; init; }

        public override ValidationResult Validate() =>
            DiscoveryFlags.Temperature(Temperature) is { } temperatureError ? ValidationResult.Error(temperatureError)
            : AdvantageCases < 0 ? ValidationResult.Error("--advantage-cases must not be negative.")
            : FeedbackSamples < 0 ? ValidationResult.Error("--feedback-samples must not be negative.")
            : CurriculumOverlap < 0 ? ValidationResult.Error("--curriculum-overlap must not be negative.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
        IReadOnlyList<(ArithmeticPuzzle Puzzle, DifficultyTier? Tier)> puzzles;
        int skippedAsTrained = 0;
        bool evalSliceLeftOut;
        string folder;
        try
        {
            folder = CliModel.ResolveFolder(settings.Model);
            evalSliceLeftOut = ReadTrainingLog(folder, TrainedPuzzles.EvalSliceLeftOutBy);
            if (settings.Problems is { } file) puzzles = ProblemsFile.Read(file).Select(p => (p, (DifficultyTier?)null)).ToList();
            else
            {
                var draw = ModelEvaluation.FreshPuzzles(Enum.GetValues<DifficultyTier>(), settings.PerTier, settings.Seed,
                    ReadTrainingLog(folder, TrainedPuzzles.PolicyGradientPuzzlesOf), settings.EvalSliceOnly);
                if (settings.EvalSliceOnly)
                    AnsiConsole.MarkupLine(evalSliceLeftOut
                        ? "Puzzles of the eval slice, which every stage of this model's training left out."
                        : "[yellow]Puzzles of the eval slice, but this model's training did not leave the slice out (or its log does not say so): it may have seen them.[/]");
                (puzzles, skippedAsTrained) = (draw.Puzzles, draw.SkippedAsTrained);
                if (skippedAsTrained > 0)
                    AnsiConsole.MarkupLine($"Skipped {skippedAsTrained} generated puzzles this model's policy-gradient training sampled.");
            }
            OutputFolder.Create(settings.Output);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidDataException or JsonException)
        {
            CliErrors.Print(ex.Message);
            return CliErrors.BadInput;
        }
        using var model = await LanguageModel.LoadAsync("eval", folder);

        IReadOnlyList<PuzzleSamples> results = [];
        // On standard error: standard output is the report.
        await CliErrors.StandardError().Progress().StartAsync(async progressContext =>
        {
            var task = progressContext.AddTask($"sampling {settings.Samples} per puzzle at temperature {settings.Temperature}", maxValue: puzzles.Count);
            results = await ModelEvaluation.SampleAsync(model, puzzles, settings.Samples, settings.Seed,
                new InlineProgress<int>(done => task.Value = done), cancellationToken, settings.Constrained, settings.Temperature);
        });
        var tiers = ModelEvaluation.ByTier(results);
        var advantage = await ModelEvaluation.TeacherAdvantageAsync(model, results, settings.AdvantageCases, cancellationToken);
        var advantageWithinGrammar = settings.Constrained
            ? await ModelEvaluation.TeacherAdvantageAsync(model, results, settings.AdvantageCases, cancellationToken, withinGrammar: true)
            : [];
        var withFeedback = settings.FeedbackSamples > 0
            ? await ModelEvaluation.FeedbackPassRatesAsync(model, results, settings.FeedbackSamples, settings.Seed, cancellationToken, settings.Constrained, settings.Temperature)
            : [];
        var hard = results.Where(r => r.PassAt(64) < settings.HardThreshold && r.Puzzle.Solve().IsSolvable).ToList();

        int k = Math.Min(64, settings.Samples);
        var tierTable = new Table().AddColumns("tier", "puzzles", "pass@1", $"pass@{k}", "greedy pass@1");
        foreach (var t in tiers) tierTable.AddRow(TierName(t.Tier), t.Puzzles.ToString(), $"{t.PassAt1:P1}", $"{t.PassAt64:F2}", $"{t.GreedyPassAt1:P0}");
        AnsiConsole.Write(tierTable);
        var advantageTable = new Table().AddColumns("feedback", "cases", "mean advantage (nats)", "positive");
        foreach (var a in advantage) advantageTable.AddRow(FeedbackName(a.Kind), a.Cases.ToString(), $"{a.MeanNats:+0.00;-0.00;0.00}", $"{a.SharePositive:P0}");
        AnsiConsole.Write(advantageTable);
        if (settings.Constrained)
        {
            var withinTable = new Table().AddColumns("feedback", "cases", "mean advantage within the grammar (nats)", "positive");
            foreach (var a in advantageWithinGrammar) withinTable.AddRow(FeedbackName(a.Kind), a.Cases.ToString(), $"{a.MeanNats:+0.00;-0.00;0.00}", $"{a.SharePositive:P0}");
            AnsiConsole.Write(withinTable);
        }
        if (withFeedback.Count > 0)
        {
            var feedbackTable = new Table().AddColumns("tier", "puzzles with a failure", "pass@1", "pass@1 after one feedback", "ratio");
            foreach (var f in withFeedback)
                feedbackTable.AddRow(TierName(f.Tier), f.Puzzles.ToString(), $"{f.PassAt1:P2}", $"{f.PassAt1WithFeedback:P2}",
                    f.PassAt1 > 0 ? $"{f.PassAt1WithFeedback / f.PassAt1:F2}x" : "-");
            AnsiConsole.Write(feedbackTable);
        }
        var overlap = settings.CurriculumOverlap > 0 ? CurriculumOverlap(results, settings.CurriculumOverlap, evalSliceLeftOut) : [];
        if (overlap.Count > 0)
        {
            var overlapTable = new Table().AddColumns("tier", $"puzzles among {settings.CurriculumOverlap:N0} curriculum draws", "pass@1 on the others");
            foreach (var o in overlap)
                overlapTable.AddRow(TierName(o.Tier), $"{o.Covered} of {o.Puzzles}", o.Covered < o.Puzzles ? $"{o.PassAt1Elsewhere:P1}" : "-");
            AnsiConsole.Write(overlapTable);
        }
        AnsiConsole.MarkupLine($"{hard.Count} of {results.Count} puzzles are hard for this model (pass@{k} < {settings.HardThreshold}).");

        var json = new JsonSerializerOptions { WriteIndented = true };
        await File.WriteAllTextAsync(Path.Combine(settings.Output, "eval.json"), JsonSerializer.Serialize(new
        {
            model = folder,
            settings.Samples,
            settings.PerTier,
            settings.Seed,
            settings.Constrained,
            settings.Temperature,
            ProblemsFile = settings.Problems,
            skippedAsTrained,
            evalSlice = settings.EvalSliceOnly,
            evalSliceLeftOut,
            tiers = tiers.Select(t => new { tier = TierName(t.Tier), t.Puzzles, t.PassAt1, t.PassAt64, t.GreedyPassAt1 }),
            teacherAdvantage = advantage.Select(a => new { kind = a.Kind.ToString(), a.Cases, a.MeanNats, a.SharePositive }),
            settings.FeedbackSamples,
            passRatesWithFeedback = withFeedback.Select(f => new { tier = TierName(f.Tier), f.Puzzles, f.PassAt1, f.PassAt1WithFeedback }),
            teacherAdvantageWithinGrammar = advantageWithinGrammar.Select(a => new { kind = a.Kind.ToString(), a.Cases, a.MeanNats, a.SharePositive }),
            settings.CurriculumOverlap,
            curriculumOverlap = overlap.Select(o => new { tier = TierName(o.Tier), o.Puzzles, o.Covered, passAt1Elsewhere = o.Covered < o.Puzzles ? o.PassAt1Elsewhere : (double?)null }),
            hardPuzzles = hard.Count,
            puzzles = results.Select(r => new { problem = JsonDocument.Parse(r.Puzzle.ToJson()).RootElement, tier = TierName(r.Tier), r.Samples, r.Passed, r.GreedyPassed }),
        }, json), cancellationToken);
        await File.WriteAllLinesAsync(Path.Combine(settings.Output, "hard.jsonl"), hard.Select(r => r.Puzzle.ToJson()), cancellationToken);
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Path.Combine(settings.Output, "eval.json"))} and hard.jsonl");
        return 0;
    }

    /// <summary>What <paramref name="read"/> finds in the model's training_log.json; throws <see cref="InvalidDataException"/>
    /// naming the file when it is malformed, as a malformed sdpo_defaults.json is named.</summary>
    private static T ReadTrainingLog<T>(string modelFolder, Func<string, T> read)
    {
        try
        {
            return read(modelFolder);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{Path.Combine(modelFolder, ArithmeticPretrainer.LogFileName)}' is not a valid training log: {ex.Message}", ex);
        }
    }

    /// <summary>Drawn as the model's training drew: from the whole space unless its log says the eval slice was left out.</summary>
    private static List<(DifficultyTier? Tier, int Puzzles, int Covered, double PassAt1Elsewhere)> CurriculumOverlap(IReadOnlyList<PuzzleSamples> results,
        int draws, bool evalSliceLeftOut)
    {
        var drawn = TrainedPuzzles.CurriculumSample(new CurriculumOptions { LeaveOutEvalSlice = evalSliceLeftOut }, draws);
        return results.GroupBy(r => r.Tier).OrderBy(g => g.Key).Select(g =>
        {
            var elsewhere = g.Where(r => !drawn.Contains(TrainedPuzzles.Key(r.Puzzle))).ToList();
            return (g.Key, g.Count(), g.Count() - elsewhere.Count, elsewhere.Count > 0 ? elsewhere.Average(r => r.PassAt(1)) : 0.0);
        }).ToList();
    }

    private static string TierName(DifficultyTier? tier) => tier?.ToString() ?? "problems";

    /// <summary>A kind of feedback as the docs name it ("wrong value"); eval.json keeps the enum's name ("WrongValue"), which tools read.</summary>
    public static string FeedbackName(FeedbackKind kind) => kind switch
    {
        FeedbackKind.Malformed => "malformed",
        FeedbackKind.NumbersMisused => "numbers misused",
        FeedbackKind.WrongValue => "wrong value",
        _ => kind.ToString(),
    };
}
