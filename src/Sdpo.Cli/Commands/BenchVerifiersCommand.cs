using System.ComponentModel;
using System.Globalization;
using Sdpo.Cli.Benchmarks;
using Sdpo.Contracts;
using Sdpo.Verifiers.Benchmarking;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// Python verifications per second on HumanEval's canonical solutions (from ../shared), with parallelism equal
/// to the core count, sandboxed by bubblewrap and not. The two modes alternate round by round within one run.
/// </summary>
public sealed class BenchVerifiersCommand : AsyncCommand<BenchVerifiersCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--problems <FILE>")]
        [Description("HumanEval gzip JSON lines (default: ../shared/problems/humaneval/HumanEval.jsonl.gz beside the checkout).")]
        public string? Problems { get; init; }

        [CommandOption("--tasks <N>")] [Description("Use the first N tasks (default: all 164).")] public int? Tasks { get; init; }
        [CommandOption("--rounds <N>")] [Description("Timed passes over the tasks per mode (default 3).")] public int Rounds { get; init; } = 3;
        [CommandOption("--parallelism <N>")] [Description("Concurrent verifications (default: the core count).")] public int? Parallelism { get; init; }
        [CommandOption("--timeout <SECONDS>")] [Description("Seconds one verification may take (default 20).")] public double TimeoutSeconds { get; init; } = 20;

        public override ValidationResult Validate()
        {
            if (Tasks is < 1) return ValidationResult.Error($"--tasks must be at least 1, got {Tasks}.");
            if (Rounds < 1) return ValidationResult.Error($"--rounds must be at least 1, got {Rounds}.");
            if (Parallelism is < 1) return ValidationResult.Error($"--parallelism must be at least 1, got {Parallelism}.");
            if (!(TimeoutSeconds > 0)) return ValidationResult.Error($"--timeout must be positive, got {TimeoutSeconds}.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var parallelism = settings.Parallelism ?? Environment.ProcessorCount;
        IReadOnlyList<HumanEvalTask> tasks;
        try
        {
            var path = settings.Problems ?? SharedFolder.Require(HumanEvalTask.SharedPath, "bench-verifiers");
            if (!File.Exists(path)) throw new BenchmarkInputException($"--problems {Path.GetFullPath(path)} does not exist.");
            tasks = HumanEvalTask.Load(path);
            if (settings.Tasks is { } count) tasks = tasks.Take(count).ToList();
            BenchmarkHeader.Print("bench-verifiers", string.Create(CultureInfo.InvariantCulture,
                $"{tasks.Count} HumanEval canonical solutions from {Path.GetFullPath(path)}, parallelism {parallelism}, {settings.Rounds} rounds per mode, timeout {settings.TimeoutSeconds} s"));
        }
        catch (BenchmarkInputException e)
        {
            BenchmarkHeader.PrintError(e.Message);
            return 2;
        }

        using var sandboxed = new PythonSandbox(Options(parallelism, settings.TimeoutSeconds, useBubblewrap: true));
        using var unsandboxed = new PythonSandbox(Options(parallelism, settings.TimeoutSeconds, useBubblewrap: false));
        var bubblewrapProblem = await sandboxed.UnsandboxedReasonAsync();
        if (bubblewrapProblem is not null)
            Console.WriteLine($"bubblewrap is unavailable, so the sandboxed mode is skipped: {bubblewrapProblem}");

        var attempts = tasks.Select(task => task.CanonicalAttempt()).ToList();
        IVerifier Router(PythonSandbox sandbox) => new ProblemRoutingVerifier(
            tasks.ToDictionary(task => task.TaskId, task => (IVerifier)task.Verifier(sandbox, settings.TimeoutSeconds)), "python");
        var modes = new List<(string Name, IVerifier Verifier, List<ThroughputResult> Results)>();
        if (bubblewrapProblem is null) modes.Add(("sandboxed (bubblewrap)", Router(sandboxed), []));
        modes.Add(("not sandboxed (rlimits only)", Router(unsandboxed), []));

        // Untimed warm-up: the interpreter's files in the page cache, the sandbox's bwrap probe.
        var warmUp = attempts.Take(Math.Min(attempts.Count, 2 * parallelism)).ToList();
        foreach (var mode in modes) await VerifierThroughput.MeasureAsync(mode.Verifier, warmUp, parallelism, cancellationToken);

        for (var round = 0; round < settings.Rounds; round++)
        {
            var order = round % 2 == 0 ? modes : Enumerable.Reverse(modes).ToList();
            foreach (var mode in order)
            {
                var result = await VerifierThroughput.MeasureAsync(mode.Verifier, attempts, parallelism, cancellationToken);
                mode.Results.Add(result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1} {mode.Name}: {result.PerSecond:F1}/s, {result.Passed}/{result.Verifications} passed, {result.Sandboxed} sandboxed, {result.Elapsed.TotalSeconds:F1} s (load average {MachineSnapshot.ReadLoadAverage()})"));
            }
        }

        var table = new FigureTable($"Python verifications per second, {tasks.Count} HumanEval canonical solutions, parallelism {parallelism}");
        foreach (var (name, _, results) in modes)
        {
            var perSecond = PairedTimings.Median(results.Select(r => r.PerSecond).ToList());
            table.Add($"{name}: verifications/s (median of {results.Count} rounds)", perSecond.ToString("F1", CultureInfo.InvariantCulture));
            table.Add($"{name}: passed / sandboxed per round", $"{results[^1].Passed}/{results[^1].Verifications} passed, {results[^1].Sandboxed} sandboxed");
        }
        if (modes.Count == 2)
        {
            var ratio = PairedTimings.Median(modes[0].Results.Zip(modes[1].Results, (s, u) => s.PerSecond / u.PerSecond).ToList());
            table.Add("sandboxed / not sandboxed throughput (median of per-round ratios)", ratio.ToString("F2", CultureInfo.InvariantCulture) + "x");
        }
        table.Add("load average at end", MachineSnapshot.ReadLoadAverage());
        table.Print();
        BenchmarkHeader.PrintEnd();
        var allPassed = modes.All(mode => mode.Results.All(r => r.Passed == r.Verifications));
        if (!allPassed) Console.Error.WriteLine("warning: some canonical solutions did not pass; the rates include failed runs.");
        return 0;
    }

    private static PythonVerifierOptions Options(int parallelism, double timeoutSeconds, bool useBubblewrap) => new()
    {
        UseBubblewrap = useBubblewrap,
        RequireSandbox = useBubblewrap,
        TimeoutSeconds = timeoutSeconds,
        MaxTimeoutSeconds = Math.Max(60, timeoutSeconds),
        MaxConcurrency = parallelism,
    };
}
