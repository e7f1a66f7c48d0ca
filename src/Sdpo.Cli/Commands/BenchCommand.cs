using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Metrics;
using Sdpo.Reports.Plots;
using Sdpo.Reports.Suites;
using Sdpo.Verifiers.Arithmetic;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// Runs a benchmark in this process: every (problem, method, seed) as one discovery run on the local model,
/// optionally after hard-problem selection, then writes results.json (the same report GET /benchmarks/{id}
/// gives), plot.png and plot.svg.
/// </summary>
public sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings, ISamplingSettings
    {
        [CommandOption("--problems <FILE>")] [Description("JSONL file, one arithmetic spec a line: {\"kind\": \"arithmetic\", \"numbers\": [[3, 5, 7]], \"target\": 22}.")]
        public string? ProblemsFile { get; init; }

        [CommandOption("--suite <NAME>")] [Description("Built-in suite instead: arithmetic-easy, arithmetic-mid, arithmetic-hard or arithmetic-rare.")]
        public string? Suite { get; init; }

        [CommandOption("--count <N>")] [Description("Problems drawn from the suite (default 30).")] public int Count { get; init; } = 30;
        [CommandOption("--suite-seed <N>")] [Description("Seed of the suite's draw (default 1).")] public int SuiteSeed { get; init; } = 1;

        [CommandOption("--methods <LIST>")] [Description("Comma-separated methods (default sdpo,best-of-k).")]
        public string Methods { get; init; } = "sdpo,best-of-k";

        [CommandOption("--seeds <N>")] [Description("Seeds per problem and method: 1 … N (default 1).")] public int Seeds { get; init; } = 1;
        [CommandOption("--budget <N>")] [Description("Attempts per run, the largest k of the curves (default 64).")] public int Budget { get; init; } = 64;
        [CommandOption("-g|--group <G>")] [Description("Attempts per step (default 8).")] public int Group { get; init; } = 8;
        [CommandOption("--chains <N>")] [Description("multi-turn and self-teacher: chains that carry feedback from step to step, each drawing G / N attempts a step (default G).")]
        public int? Chains { get; init; }
        [CommandOption("--temperature <T>")] [Description("Sampling temperature, above 0 and at most 10 (default 1: the model's own distribution, which SDPO's distillation assumes).")]
        public double Temperature { get; init; } = 1.0;
        [CommandOption("--constrained")] [Description("Sample only well-formed answers that use each number once (the puzzle's grammar), for every method and the selection.")]
        public bool Constrained { get; init; }
        [CommandOption("--distinct")] [Description("Draw again any sample whose answer already failed in the run or repeats one of its step (sampling.distinctAttempts), for every method.")]
        public bool Distinct { get; init; }
        [CommandOption("--distinct-equivalent")] [Description("With --distinct (implied): also draw again any sample the verifier declares equivalent to a failed answer or to another of its step, for arithmetic the same numbers and value (sampling.distinctEquivalence).")]
        public bool DistinctEquivalent { get; init; }
        [CommandOption("--lr <RATE>")] [Description("SDPO learning rate (overrides --sdpo's learningRate).")] public double? LearningRate { get; init; }
        [CommandOption("--sdpo <JSON>")] [Description("SDPO options as in the service's requests, e.g. {\"updatesPerBatch\": 2, \"teacher\": \"frozen\"}; unset fields keep the model's defaults (its sdpo_defaults.json, then the paper's), and null keeps them all (as the service's \"sdpo\": null).")]
        public string? SdpoJson { get; init; }

        [CommandOption("--select-hard <THRESHOLD>")] [Description("Keep only problems whose base-model pass@k is below this (0.5 hard, 0.03 very hard).")]
        public double? SelectHard { get; init; }

        [CommandOption("--samples <N>")] [Description("Base-model samples per problem for --select-hard (default 64).")] public int Samples { get; init; } = 64;
        [CommandOption("--pass-k <K>")] [Description("The k of pass@k for --select-hard (default min(64, samples)).")] public int? PassK { get; init; }

        [CommandOption("--keep <N>")] [Description("With --select-hard: stop screening once N problems are kept (the rest are not run).")] public int? Keep { get; init; }

        [CommandOption("--model <FOLDER>")] [Description("Checkpoint folder (default: src/models/arithmetic).")] public string? Model { get; init; }
        [CommandOption("--device <DEVICE>")] [DeviceName] [Description("cpu (default), cuda or cuda:N.")] public string Device { get; init; } = "cpu";
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }

        [CommandOption("-o|--output <FOLDER>")] [Description("Where results.json, plot.png and plot.svg go (default artifacts/bench).")]
        public string Output { get; init; } = "artifacts/bench";

        [CommandOption("--resume")] [Description("Carry on from the output folder's journal.jsonl, skipping the selections and runs it already holds.")]
        public bool Resume { get; init; }

        public override ValidationResult Validate()
        {
            if ((ProblemsFile is null) == (Suite is null)) return ValidationResult.Error("Give the problems as --problems <file.jsonl> or --suite <name>, one of them.");
            if (Suite is not null && !ProblemSuite.TryParse(Suite, out _)) return ValidationResult.Error($"--suite: unknown suite '{Suite}'; suites are {string.Join(", ", ProblemSuite.Names)}.");
            if (Count < 1 || Count > ProblemSuite.MaxCount) return ValidationResult.Error($"--count must be between 1 and {ProblemSuite.MaxCount}.");
            if (Seeds < 1) return ValidationResult.Error("--seeds must be at least 1.");
            if (DiscoveryFlags.Check(Budget, Group, Chains, Temperature) is { } rangeError) return ValidationResult.Error(rangeError);
            foreach (var name in MethodList)
                if (!DiscoveryMethodNames.TryParse(name, out _)) return ValidationResult.Error($"--methods: unknown method '{name}'; methods are {DiscoveryMethodNames.All}.");
            if (MethodList.Count == 0 || MethodList.Distinct().Count() != MethodList.Count) return ValidationResult.Error("--methods must list each method once.");
            if (SelectHard is { } t && (!(t > 0) || t > 1)) return ValidationResult.Error("--select-hard must be in (0, 1].");
            if (Samples < 1) return ValidationResult.Error("--samples must be at least 1.");
            if (Keep is { } keep && (keep < 1 || SelectHard is null)) return ValidationResult.Error("--keep needs --select-hard and must be at least 1.");
            if (PassK is { } k && (k < 1 || k > Samples)) return ValidationResult.Error($"--pass-k must be between 1 and --samples ({Samples}).");
            if (!SdpoOptionsJson.TryParse(SdpoJson, LearningRate, null, out _, out var sdpoError)) return ValidationResult.Error(sdpoError);
            return ValidationResult.Success();
        }

        public IReadOnlyList<string> MethodList => Methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>The SDPO options of every SDPO run: --sdpo's fields over the model's defaults, then --lr.</summary>
        public SdpoOptions SdpoOptions(string modelFolder) => _sdpo ??= SdpoOptionsJson.ParseForModel(SdpoJson, LearningRate, modelFolder);
        private SdpoOptions? _sdpo;
    }

    /// <summary>One candidate problem with what selection found.</summary>
    public sealed record ProblemEntry(int Index, string Label, ArithmeticPuzzle Spec, bool Selected, int ScreenedSamples, int ScreenedPasses, double? BasePassAtK, string? Note);

    /// <summary>The file written as results.json.</summary>
    public sealed record BenchResults(string Name, string Model, DateTimeOffset FinishedAt, object Configuration, IReadOnlyList<ProblemEntry> Problems,
        BenchmarkReport Results, double Seconds, long Attempts, double AttemptsPerSecond);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Labels such as "3 5 7 -> 22" stay readable; the file is data, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
        IReadOnlyList<ArithmeticPuzzle> puzzles;
        string folder;
        DiscoveryRequest template;
        try
        {
            puzzles = settings.Suite is { } suite ? ProblemSuite.Generate(suite, settings.Count, settings.SuiteSeed) : ProblemsFile.Read(settings.ProblemsFile!);
            folder = CliModel.ResolveFolder(settings.Model);
            template = new DiscoveryRequest(puzzles[0].ToProblem(), puzzles[0].CreateVerifier(), DiscoveryMethod.Sdpo,
                new DiscoveryBudget(settings.Budget, settings.Group, settings.Chains), settings.ToSampling(),
                settings.SdpoOptions(folder));
            template.Validate();
            OutputFolder.Create(settings.Output);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or EngineException)
        {
            CliErrors.Print(ex.Message);
            return 2;
        }
        var methods = settings.MethodList.Select(m => { DiscoveryMethodNames.TryParse(m, out var method); return method; }).ToList();
        var name = settings.Suite ?? Path.GetFileNameWithoutExtension(settings.ProblemsFile!);

        using var model = await CliModel.LoadAsync(folder, settings.Device);
        var engine = new LocalDiscoveryEngine(model);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/]: {puzzles.Count} problems × {methods.Count} methods × {settings.Seeds} seeds, " +
                               $"budget {settings.Budget}, G {settings.Group}, model {Markup.Escape(model.Name)}");

        BenchJournal journal;
        try
        {
            journal = BenchJournal.Open(settings.Output, Fingerprint(settings, folder), settings.Resume);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            CliErrors.Print(ex.Message);
            return 2;
        }
        if (journal.Restored > 0) AnsiConsole.MarkupLine($"Resuming: {journal.Restored} selections and runs are in the journal.");

        var clock = Stopwatch.StartNew();
        var tally = new Tally(clock);
        var entries = puzzles.Select((p, i) => new ProblemEntry(i, ProblemSuite.Label(p), p, true, 0, 0, null, null)).ToList();
        var outcomes = new List<BenchmarkRunOutcome>();
        int finishedRuns = 0; // those in the journal, restored or made: not a run cut short by a cancellation

        await Progress().StartAsync(async progress =>
        {
            if (settings.SelectHard is { } threshold)
            {
                int k = settings.PassK ?? Math.Min(64, settings.Samples);
                var screening = progress.AddTask("selection", maxValue: puzzles.Count * (double)settings.Samples);
                var current = progress.AddTask("  sampling", maxValue: settings.Samples);
                int i = 0;
                for (; i < entries.Count && !cancellationToken.IsCancellationRequested; i++)
                {
                    if (settings.Keep is { } keep && entries.Take(i).Count(e => e.Selected) >= keep)
                    {
                        entries[i] = entries[i] with { Selected = false, Note = $"not screened: {keep} problems already kept" };
                        continue;
                    }
                    if (journal.Screen(entries[i].Label) is { } known)
                    {
                        entries[i] = entries[i] with { Selected = known.Selected ?? false, ScreenedSamples = known.Samples ?? 0, ScreenedPasses = known.Passes ?? 0, BasePassAtK = known.BasePassAtK, Note = known.Note };
                        screening.Value = (i + 1) * (double)settings.Samples;
                        continue;
                    }
                    var sampling = new PassRateSampling(settings.Samples, k);
                    string? note = null;
                    current.Value = 0;
                    while (!sampling.IsComplete && note is null && !cancellationToken.IsCancellationRequested)
                    {
                        var request = template with
                        {
                            Problem = puzzles[i].ToProblem(), Verifier = puzzles[i].CreateVerifier(), Method = DiscoveryMethod.BestOfK,
                            Budget = new DiscoveryBudget(sampling.NextSegmentBudget, Math.Min(settings.Group, sampling.NextSegmentBudget)), Seed = sampling.NextSegmentSeed,
                        };
                        double before = screening.Value;
                        var run = await RunAsync(engine, request, tally, attempts =>
                        {
                            screening.Value = before + attempts;
                            current.Value = sampling.Drawn + attempts;
                            current.Description = $"  {entries[i].Label}: {sampling.Passes} passes so far";
                            screening.Description = $"selection · {tally.Describe()}";
                        }, cancellationToken);
                        if (run.Completed) sampling.Record(run.AttemptsToDiscovery ?? run.Attempts, run.AttemptsToDiscovery is not null);
                        else note = run.Failure ?? "the sampling run did not complete";
                    }
                    screening.Value = (i + 1) * (double)settings.Samples;
                    if (!sampling.IsComplete)
                    {
                        entries[i] = entries[i] with { Selected = false, ScreenedSamples = sampling.Drawn, ScreenedPasses = sampling.Passes, Note = note ?? "cancelled" };
                        if (note is not null) journal.Append(new BenchJournal.Entry("screen", Label: entries[i].Label, Samples: sampling.Drawn, Passes: sampling.Passes, Selected: false, Note: note));
                        continue;
                    }
                    double estimate = sampling.PassAtKEstimate;
                    entries[i] = entries[i] with { Selected = estimate < threshold, ScreenedSamples = sampling.Drawn, ScreenedPasses = sampling.Passes, BasePassAtK = estimate };
                    journal.Append(new BenchJournal.Entry("screen", Label: entries[i].Label, Samples: sampling.Drawn, Passes: sampling.Passes, BasePassAtK: estimate, Selected: entries[i].Selected));
                    AnsiConsole.MarkupLine($"{Markup.Escape(entries[i].Label)}: pass@{k} ≈ {estimate:F3} ({sampling.Passes}/{sampling.Drawn}) → {(entries[i].Selected ? "[green]kept[/]" : "[grey]dropped[/]")}");
                }
                // Cancelled: the problems not reached are not screened, so not selected (the results would list them as kept).
                for (; i < entries.Count; i++) entries[i] = entries[i] with { Selected = false, Note = "not screened: cancelled" };
                current.StopTask();
                screening.StopTask();
            }

            var selected = entries.Where(e => e.Selected).ToList();
            var overall = progress.AddTask("runs", maxValue: Math.Max(1, selected.Count * methods.Count * settings.Seeds));
            var running = progress.AddTask("  run", maxValue: settings.Budget);
            for (int seed = 1; seed <= settings.Seeds; seed++)
            foreach (var entry in selected)
            foreach (var method in methods)
            {
                if (cancellationToken.IsCancellationRequested) return;
                var wire = DiscoveryMethodNames.ToWire(method);
                if (journal.Run(entry.Label, wire, seed) is { } done)
                {
                    outcomes.Add(new BenchmarkRunOutcome(entry.Index.ToString(CultureInfo.InvariantCulture), wire, seed, done.AttemptsToDiscovery, done.Attempts, done.Completed, done.Seconds));
                    finishedRuns++;
                    overall.Increment(1);
                    continue;
                }
                running.Value = 0;
                running.Description = $"  {wire} on {entry.Label}, seed {seed}";
                var request = template with { Problem = entry.Spec.ToProblem(), Verifier = entry.Spec.CreateVerifier(), Method = method, Seed = seed };
                var run = await RunAsync(engine, request, tally, attempts =>
                {
                    running.Value = attempts;
                    overall.Description = $"runs · {tally.Describe()}";
                }, cancellationToken);
                outcomes.Add(new BenchmarkRunOutcome(entry.Index.ToString(CultureInfo.InvariantCulture), wire, seed, run.AttemptsToDiscovery, run.Attempts, run.Completed, run.Seconds));
                if (run.Completed || run.Failure != "cancelled")
                {
                    finishedRuns++;
                    journal.Append(new BenchJournal.Entry("run", Label: entry.Label, Method: wire, Seed: seed, AttemptsToDiscovery: run.AttemptsToDiscovery, Attempts: run.Attempts, Completed: run.Completed, Seconds: run.Seconds));
                }
                if (!run.Completed && !cancellationToken.IsCancellationRequested)
                    AnsiConsole.MarkupLine($"[red]{wire} on {Markup.Escape(entry.Label)} seed {seed}: {Markup.Escape(run.Failure ?? "did not complete")}[/]");
                overall.Increment(1);
                overall.Description = $"runs · {tally.Describe()}";
            }
            running.StopTask();
            overall.StopTask();
        });

        var report = BenchmarkReport.Build(
            entries.Where(e => e.Selected).Select(e => new BenchmarkProblem(e.Index.ToString(CultureInfo.InvariantCulture), e.Label, e.BasePassAtK)).ToList(),
            methods.Select(DiscoveryMethodNames.ToWire).ToList(), outcomes, settings.Budget);
        var configuration = new
        {
            Suite = settings.Suite is null ? null : new { Name = settings.Suite, settings.Count, Seed = settings.SuiteSeed },
            Problems = settings.ProblemsFile,
            Methods = methods.Select(DiscoveryMethodNames.ToWire).ToList(),
            settings.Seeds,
            Budget = template.EffectiveBudget,
            Sampling = template.EffectiveSampling,
            Sdpo = template.EffectiveSdpo,
            SelectHard = settings.SelectHard is { } t ? new { Threshold = t, settings.Samples, K = settings.PassK ?? Math.Min(64, settings.Samples), settings.Keep } : null,
            settings.Device,
        };
        var results = new BenchResults(name, folder, DateTimeOffset.UtcNow, configuration, entries, report, clock.Elapsed.TotalSeconds, tally.Attempts,
            tally.Attempts / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));

        var jsonPath = Path.Combine(settings.Output, "results.json");
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(results, Json), CancellationToken.None);
        var title = $"{name}: discovery@k, {report.Confidence * 100:0}% bootstrap intervals";
        await File.WriteAllBytesAsync(Path.Combine(settings.Output, "plot.png"), DiscoveryCurvePlot.RenderPng(report, title), CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(settings.Output, "plot.svg"), DiscoveryCurvePlot.RenderSvg(report, title), CancellationToken.None);

        PrintSummary(report);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(jsonPath)}[/], plot.png and plot.svg ({tally.Attempts} attempts in {clock.Elapsed.TotalSeconds:F0} s).");
        if (!cancellationToken.IsCancellationRequested) return 0;
        // The run cut short counts as failed in these results, as a cancelled run does in the service's; the journal leaves it out.
        AnsiConsole.MarkupLine($"[yellow]Cancelled[/] after {finishedRuns} of {entries.Count(e => e.Selected) * methods.Count * settings.Seeds} runs: " +
                               "the results and plots hold the runs finished so far; the same command with --resume carries on from the journal.");
        return 1;
    }

    /// <summary>What must not change for a journal's runs to be reused: everything that shapes one run or one selection.</summary>
    private static string Fingerprint(Settings settings, string modelFolder) => string.Join(' ',
        $"model={Path.GetFullPath(modelFolder)}", $"device={settings.Device}", $"budget={settings.Budget}", $"g={settings.Group}",
        $"temperature={settings.Temperature.ToString(CultureInfo.InvariantCulture)}", $"sdpo={SdpoDefaults.Serialize(settings.SdpoOptions(modelFolder))}",
        $"selectHard={settings.SelectHard?.ToString(CultureInfo.InvariantCulture) ?? "none"}", $"samples={settings.Samples}", $"passK={settings.PassK?.ToString(CultureInfo.InvariantCulture) ?? "default"}", $"keep={settings.Keep?.ToString(CultureInfo.InvariantCulture) ?? "all"}")
        // Unconstrained journals written before the option existed keep their fingerprint.
        + (settings.Constrained ? " constrained=true" : "") + DistinctFingerprint(settings.ToSampling()) + ChainsFingerprint(settings, modelFolder);

    /// <summary>Chains shape only the runs of methods that sample from their chains' feedback. Left out at the default (one chain
    /// per attempt of a step) and where no method uses them, so journals written before chains were fingerprinted keep theirs.</summary>
    private static string ChainsFingerprint(Settings settings, string modelFolder)
    {
        int chains = settings.Chains ?? settings.Group;
        bool used = settings.MethodList.Any(name => DiscoveryMethodNames.TryParse(name, out var method)
            && (method is DiscoveryMethod.MultiTurn or DiscoveryMethod.SelfTeacher
                || method == DiscoveryMethod.Sdpo && settings.SdpoOptions(modelFolder).SampleWithFeedback));
        return used && chains != settings.Group ? $" chains={chains}" : "";
    }

    private static string DistinctFingerprint(AttemptSampling sampling) =>
        (sampling.DistinctAttempts ? " distinct=true" : "") + (sampling.DistinctEquivalence ? " distinctEquivalence=true" : "");

    private static Progress Progress() =>
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());

    private static void PrintSummary(BenchmarkReport report)
    {
        var methods = new Table().AddColumn("method").AddColumn("runs").AddColumn("failed").AddColumn("discovered").AddColumn("mean attempts to discovery")
            .AddColumn("ms per attempt").AddColumn("mean s to discovery");
        foreach (var method in report.Methods)
        {
            methods.AddRow(method.Method, method.Runs.ToString(CultureInfo.InvariantCulture), method.FailedRuns.ToString(CultureInfo.InvariantCulture),
                method.Discoveries.ToString(CultureInfo.InvariantCulture), method.MeanAttemptsToDiscovery?.ToString("F1", CultureInfo.InvariantCulture) ?? "-",
                method.SecondsPerAttempt is { } perAttempt ? (perAttempt * 1000).ToString("F1", CultureInfo.InvariantCulture) : "-",
                method.MeanSecondsToDiscovery?.ToString("F2", CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(methods);
        var curves = new Table().AddColumn("k", c => c.RightAligned());
        foreach (var method in report.Methods) curves.AddColumn($"{method.Method} discovery@k [[{report.Confidence * 100:0}%]]");
        for (int i = 0; i < report.Ks.Count; i++)
        {
            var cells = new List<string> { report.Ks[i].ToString(CultureInfo.InvariantCulture) };
            cells.AddRange(report.Methods.Select(m => m.Curve.Count > i && m.Curve[i].Estimate is not null ? $"{m.Curve[i].Estimate:F2} [grey][[{m.Curve[i].Lower:F2}, {m.Curve[i].Upper:F2}]][/]" : "-"));
            curves.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(curves);
        foreach (var ratio in report.AttemptsRatios)
        {
            AnsiConsole.MarkupLine(ratio.Ratio is { } r
                ? $"{ratio.Method} reaches best-of-k's discovery@{report.Budget} ({ratio.Level:F2}) in {ratio.MethodAttempts} attempts against {ratio.BaselineAttempts}: [bold]{r:F2}×[/] fewer{WallTime(ratio)}."
                : ratio.Level > 0
                    ? $"{ratio.Method} does not reach best-of-k's discovery@{report.Budget} ({ratio.Level:F2}) within the budget: no attempts ratio."
                    : $"{ratio.Method} vs {ratio.Baseline}: no attempts ratio, best-of-k discovered nothing.");
        }
    }

    /// <summary>The attempts to the level at each method's mean time per attempt, where the runs were timed.</summary>
    private static string WallTime(AttemptsRatioReport ratio) => ratio is { MethodSeconds: { } method, BaselineSeconds: { } baseline, WallTimeRatio: { } r }
        ? FormattableString.Invariant($"; at each method's time per attempt, {method:F2} s against {baseline:F2} s: {(r >= 1 ? $"{r:F2}× sooner" : $"{1 / r:F2}× longer")}")
        : "";

    /// <summary>How a run ended: attempts made, the 1-based first pass, and whether it completed (discovered or exhausted).</summary>
    private sealed record RunResult(int Attempts, int? AttemptsToDiscovery, bool Completed, string? Failure, double Seconds = 0);

    private static async Task<RunResult> RunAsync(IDiscoveryEngine engine, DiscoveryRequest request, Tally tally, Action<int> onAttempt, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await RunToEndAsync(engine, request, tally, onAttempt, cancellationToken);
        return result with { Seconds = clock.Elapsed.TotalSeconds };
    }

    private static async Task<RunResult> RunToEndAsync(IDiscoveryEngine engine, DiscoveryRequest request, Tally tally, Action<int> onAttempt, CancellationToken cancellationToken)
    {
        int attempts = 0;
        await foreach (var e in engine.RunAsync(request, cancellationToken: cancellationToken))
        {
            switch (e)
            {
                case AttemptEvaluated a:
                    attempts = a.Index + 1;
                    tally.Attempts++;
                    onAttempt(attempts);
                    break;
                case Discovered d:
                    tally.Discoveries++;
                    return new RunResult(d.AttemptIndex + 1, d.AttemptIndex + 1, true, null);
                case Exhausted x:
                    return new RunResult(x.Attempts, null, true, null);
                case Cancelled c:
                    return new RunResult(c.Attempts, null, false, "cancelled");
                case Failed f:
                    return new RunResult(attempts, null, false, f.Reason);
            }
        }
        return new RunResult(attempts, null, false, "the engine ended without a final event");
    }

    /// <summary>Attempts and discoveries so far, for the progress lines.</summary>
    private sealed class Tally(Stopwatch clock)
    {
        public long Attempts { get; set; }
        public int Discoveries { get; set; }

        public string Describe() =>
            $"{Attempts} attempts · {Attempts / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1}/s · {Discoveries} discoveries";
    }
}
