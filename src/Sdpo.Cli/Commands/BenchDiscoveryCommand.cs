using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Sdpo.Cli.Benchmarks;
using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// Wall time per attempt of SDPO against best-of-k on the same model and problem, with the time split taken
/// from the runs' StepCompleted events, and memory over one long SDPO run. The problem never passes, so every
/// run goes to its budget. SDPO and best-of-k runs alternate within one process so background load weighs on both.
/// </summary>
public sealed class BenchDiscoveryCommand : AsyncCommand<BenchDiscoveryCommand.Settings>
{
    private const string EmbeddedModelPath = "src/models/arithmetic";
    private const string StoriesPath = "models/stories260k";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FOLDER>")]
        [Description("Checkpoint folder (default: the embedded src/models/arithmetic where it exists, else ../shared/models/stories260k).")]
        public string? Model { get; init; }

        [CommandOption("--attempts-per-step <G>")] [Description("Attempts per step (G) of every run (default 8).")] public int AttemptsPerStep { get; init; } = 8;
        [CommandOption("--max-new-tokens <N>")] [Description("Most tokens per attempt (default 64).")] public int MaxNewTokens { get; init; } = 64;
        [CommandOption("--attempts <N>")] [Description("Attempts per timed run (default 64).")] public int Attempts { get; init; } = 64;
        [CommandOption("--rounds <N>")] [Description("Timed SDPO / best-of-k run pairs (default 25: a median of fewer moves by a tenth with a shared machine's load).")] public int Rounds { get; init; } = 25;

        [CommandOption("--memory-attempts <N>")]
        [Description("Attempts of the SDPO memory run (default 400; the full check is 1000; 0 skips it).")]
        public int MemoryAttempts { get; init; } = 400;

        [CommandOption("--seed <N>")] [Description("Seed of the first round's runs; round r runs with seed + r, the memory run with seed + 1000 (default 1).")] public int Seed { get; init; } = 1;
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }
        [CommandOption("--sdpo <JSON>")] [Description("SDPO options of the SDPO runs as in the service's requests, e.g. {\"maxDistilledAttempts\": 2}; unset fields keep the model's defaults (its sdpo_defaults.json, then the paper's), and null keeps them all (as the service's \"sdpo\": null).")]
        public string? SdpoJson { get; init; }
        [CommandOption("--constrained")] [Description("Sample both methods inside the puzzle's answer grammar (sampling.constrained).")]
        public bool Constrained { get; init; }

        /// <summary>The SDPO runs' options: --sdpo's fields over the model's defaults; set once the model folder is known.</summary>
        public SdpoOptions SdpoOptions() => _sdpo ?? throw new InvalidOperationException("The SDPO options are resolved with the model folder.");
        public void ResolveSdpoOptions(string modelFolder) => _sdpo = SdpoOptionsJson.ParseForModel(SdpoJson, null, modelFolder);
        private SdpoOptions? _sdpo;

        public override ValidationResult Validate()
        {
            if (!SdpoOptionsJson.TryParse(SdpoJson, null, null, out _, out var sdpoError)) return ValidationResult.Error(sdpoError);
            foreach (var (name, value) in new[] { ("--attempts-per-step", AttemptsPerStep), ("--max-new-tokens", MaxNewTokens), ("--attempts", Attempts), ("--rounds", Rounds) })
                if (value < 1) return ValidationResult.Error($"{name} must be at least 1, got {value}.");
            if (MemoryAttempts < 0) return ValidationResult.Error($"--memory-attempts must not be negative, got {MemoryAttempts}.");
            // The engine's ranges, named by the flags rather than by the request's fields once a run has started.
            var rangeError = DiscoveryFlags.Group("--attempts-per-step", AttemptsPerStep) ?? DiscoveryFlags.Attempts("--attempts", Attempts)
                ?? (MemoryAttempts > 0 ? DiscoveryFlags.Attempts("--memory-attempts", MemoryAttempts) : null)
                ?? DiscoveryFlags.Range("--max-new-tokens", MaxNewTokens, 1, AttemptSampling.MaxAllowedNewTokens);
            if (rangeError is not null) return ValidationResult.Error(rangeError);
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string folder;
        try
        {
            folder = ResolveModelFolder(settings.Model);
        }
        catch (BenchmarkInputException e)
        {
            BenchmarkHeader.PrintError(e.Message);
            return 2;
        }
        try
        {
            settings.ResolveSdpoOptions(folder);
        }
        catch (Exception e) when (e is EngineException or ArgumentException)
        {
            BenchmarkHeader.PrintError(e.Message);
            return 2;
        }
        BenchmarkHeader.Print("bench-discovery", string.Create(CultureInfo.InvariantCulture,
            $"G = {settings.AttemptsPerStep}, {settings.MaxNewTokens}-token attempts, {settings.Rounds} rounds of one SDPO and one best-of-k run of " +
            $"{settings.Attempts} attempts, memory run {settings.MemoryAttempts} attempts, SDPO options {SdpoDefaults.Serialize(settings.SdpoOptions())}{(settings.Constrained ? ", constrained sampling" : "")}"));
        Console.WriteLine($"model: {Path.GetFullPath(folder)}");
        Console.WriteLine($"problem: an arithmetic puzzle with no solution (numbers {string.Join(' ', UnsolvableArithmeticProblem.Puzzle.Numbers)}, target {UnsolvableArithmeticProblem.Puzzle.Target}), judged by the arithmetic verifier");

        using var model = await LanguageModel.LoadAsync(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), folder);
        await TorchThreads.ApplyAsync(settings.Threads, model.Thread);
        Console.WriteLine($"torch threads on the model's device thread: {await TorchThreads.ReadAsync(model.Thread)}");
        var engine = new LocalDiscoveryEngine(model);

        // Untimed warm-up of both paths (JIT, allocator pools, torch thread pools).
        await RunAsync(engine, settings, DiscoveryMethod.Sdpo, settings.AttemptsPerStep, settings.Seed, cancellationToken);
        await RunAsync(engine, settings, DiscoveryMethod.BestOfK, settings.AttemptsPerStep, settings.Seed, cancellationToken);

        var sdpoRuns = new List<DiscoveryRunFigures>();
        var bestOfKRuns = new List<DiscoveryRunFigures>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var seed = settings.Seed + round;
            var order = round % 2 == 0 ? new[] { DiscoveryMethod.Sdpo, DiscoveryMethod.BestOfK } : [DiscoveryMethod.BestOfK, DiscoveryMethod.Sdpo];
            foreach (var method in order)
            {
                var figures = await RunAsync(engine, settings, method, settings.Attempts, seed, cancellationToken);
                if (figures.Failure is not null)
                {
                    BenchmarkHeader.PrintError($"the {method} run failed: {figures.Failure}");
                    return 1;
                }
                (method == DiscoveryMethod.Sdpo ? sdpoRuns : bestOfKRuns).Add(figures);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1} {method}: {figures.WallMsPerAttempt:F1} ms per attempt, {(double)figures.Tokens / figures.Attempts:F1} tokens per attempt (load average {MachineSnapshot.ReadLoadAverage()})"));
            }
        }
        PrintComparison(sdpoRuns, bestOfKRuns, settings);

        if (settings.MemoryAttempts > 0) await MemoryRunAsync(engine, settings, cancellationToken);
        BenchmarkHeader.PrintEnd();
        return 0;
    }

    private static string ResolveModelFolder(string? requested)
    {
        if (requested is not null)
        {
            if (!File.Exists(Path.Combine(requested, "config.json")))
                throw new BenchmarkInputException($"--model {Path.GetFullPath(requested)} is not a checkpoint folder (no config.json).");
            return requested;
        }
        var embedded = SharedFolder.FindCheckout() is { } checkout ? Path.Combine(checkout, EmbeddedModelPath) : null;
        if (embedded is not null && File.Exists(Path.Combine(embedded, "config.json"))) return embedded;
        return SharedFolder.Require(StoriesPath, $"bench-discovery without --model (and without an embedded model at {EmbeddedModelPath})");
    }

    private static DiscoveryRequest Request(Settings settings, DiscoveryMethod method, int attempts, long seed) => new(
        UnsolvableArithmeticProblem.Problem,
        UnsolvableArithmeticProblem.Verifier,
        method,
        new DiscoveryBudget(attempts, settings.AttemptsPerStep),
        new AttemptSampling(MaxNewTokens: settings.MaxNewTokens, Constrained: settings.Constrained),
        settings.SdpoOptions(),
        seed);

    private static async Task<DiscoveryRunFigures> RunAsync(LocalDiscoveryEngine engine, Settings settings, DiscoveryMethod method, int attempts, long seed,
        CancellationToken cancellationToken, Action<StepCompleted, DiscoveryRunFigures>? onStep = null)
    {
        var figures = new DiscoveryRunFigures();
        var clock = Stopwatch.StartNew();
        await foreach (var e in engine.RunAsync(Request(settings, method, attempts, seed), cancellationToken: cancellationToken))
        {
            figures.Add(e);
            if (e is StepCompleted step && onStep is not null)
            {
                clock.Stop(); // the memory snapshot's full collections are not the run's time
                onStep(step, figures);
                clock.Start();
            }
        }
        figures.WallMs = clock.Elapsed.TotalMilliseconds;
        // A run cut short by Ctrl+C ends with no failure and too few attempts: its figures would be timed as a whole run's.
        cancellationToken.ThrowIfCancellationRequested();
        return figures;
    }

    private static void PrintComparison(List<DiscoveryRunFigures> sdpo, List<DiscoveryRunFigures> bestOfK, Settings settings)
    {
        var ratio = PairedTimings.Median(sdpo.Zip(bestOfK, (s, b) => s.WallMsPerAttempt / b.WallMsPerAttempt).ToList());
        var table = new FigureTable(string.Create(CultureInfo.InvariantCulture,
            $"SDPO vs best-of-k, G = {settings.AttemptsPerStep}, {settings.MaxNewTokens}-token attempts, {settings.Rounds} x {settings.Attempts} attempts each"));
        table.Add("wall ms per attempt, SDPO (median of rounds)", Ms(PairedTimings.Median(sdpo.Select(r => r.WallMsPerAttempt).ToList())));
        table.Add("wall ms per attempt, best-of-k (median of rounds)", Ms(PairedTimings.Median(bestOfK.Select(r => r.WallMsPerAttempt).ToList())));
        table.Add("SDPO / best-of-k per attempt (median of per-round ratios)", ratio.ToString("F2", CultureInfo.InvariantCulture) + "x",
            FigureTable.Verdict(ratio <= 1.3, "<= 1.3x"));
        foreach (var (name, runs) in new[] { ("SDPO", sdpo), ("best-of-k", bestOfK) })
        {
            double PerAttempt(Func<DiscoveryRunFigures, double> part) => runs.Sum(part) / runs.Sum(r => r.Attempts);
            table.Add($"{name} split per attempt: sampling / verifying / teacher / update / other ms", string.Create(CultureInfo.InvariantCulture,
                $"{PerAttempt(r => r.SamplingMs):F1} / {PerAttempt(r => r.VerifyingMs):F2} / {PerAttempt(r => r.TeacherMs):F1} / {PerAttempt(r => r.UpdateMs):F1} / {PerAttempt(r => r.OtherMs):F1}"));
            table.Add($"{name} tokens per attempt (mean)", ((double)runs.Sum(r => r.Tokens) / runs.Sum(r => r.Attempts)).ToString("F1", CultureInfo.InvariantCulture));
        }
        table.Add("load average after the comparison", MachineSnapshot.ReadLoadAverage());
        table.Print();
    }

    private static async Task MemoryRunAsync(LocalDiscoveryEngine engine, Settings settings, CancellationToken cancellationToken)
    {
        var steps = (settings.MemoryAttempts + settings.AttemptsPerStep - 1) / settings.AttemptsPerStep;
        // The run's adapter and AdamW moments exist from its first update; growth counts from after a few steps.
        var startStep = Math.Clamp(steps / 20, 1, 10);
        var report = Math.Max(1, steps / 10);
        Console.WriteLine($"memory run: SDPO, {settings.MemoryAttempts} attempts ({steps} steps), snapshots from step {startStep}");
        MemorySnapshot? start = null, end = null;
        var figures = await RunAsync(engine, settings, DiscoveryMethod.Sdpo, settings.MemoryAttempts, settings.Seed + 1000, cancellationToken, (step, _) =>
        {
            var stepNumber = step.Step + 1;
            if (stepNumber == startStep)
            {
                start = MemorySnapshot.Take();
                Console.WriteLine($"  step {stepNumber}: {start}");
            }
            else if (stepNumber == steps || (stepNumber > startStep && stepNumber % report == 0))
            {
                end = MemorySnapshot.Take();
                Console.WriteLine($"  step {stepNumber}: {end}");
            }
        });
        if (start is null || end is null)
        {
            Console.WriteLine($"  too few steps for a memory figure ({figures.Steps} steps{(figures.Failure is null ? "" : ", failed: " + figures.Failure)})");
            return;
        }
        var table = new FigureTable($"memory over one SDPO run of {settings.MemoryAttempts} attempts (from step {startStep} to step {steps})");
        table.Add("working set at start / end", $"{start.WorkingSetMiB:F1} / {end.WorkingSetMiB:F1} MiB");
        table.Add("working set growth", MemorySnapshot.Percent(end.WorkingSetGrowthSince(start)), FigureTable.Verdict(end.WorkingSetGrowthSince(start) < 0.05, "flat (< 5%)"));
        table.Add("working set after trimming the native heap, start / end", $"{start.TrimmedWorkingSetMiB:F1} / {end.TrimmedWorkingSetMiB:F1} MiB");
        table.Add("trimmed working set growth", MemorySnapshot.Percent(end.TrimmedWorkingSetGrowthSince(start)));
        table.Add("GC heap at start / end", $"{start.GcHeapMiB:F2} / {end.GcHeapMiB:F2} MiB");
        table.Add("GC heap growth", end.GcHeapGrowthTextSince(start));
        table.Add("live tensors at start / end", $"{start.LiveTensors} / {end.LiveTensors}");
        table.Add("wall ms per attempt in this run", Ms(figures.WallMsPerAttempt));
        table.Add("load average at end", MachineSnapshot.ReadLoadAverage());
        table.Print();
    }

    private static string Ms(double value) => value.ToString("F1", CultureInfo.InvariantCulture) + " ms";
}
