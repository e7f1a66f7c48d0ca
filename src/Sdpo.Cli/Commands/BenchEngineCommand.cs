using System.ComponentModel;
using System.Globalization;
using Sdpo.Cli.Benchmarks;
using Sdpo.Engine.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>
/// Engine throughput: sampling tokens/s with and without the KV cache, the KV-cache speed-up at a longer
/// continuation, and the time of one LoRA training step, for the stories260k checkpoint from ../shared and a
/// random ~10M-parameter Qwen3 shape; then a memory check over many sample + train steps. Cache on and off
/// are timed alternately within one run so background load weighs on both.
/// </summary>
public sealed class BenchEngineCommand : AsyncCommand<BenchEngineCommand.Settings>
{
    public const string StoriesName = "stories260k";
    public const string QwenName = "qwen3-random";
    private const string StoriesPath = "models/stories260k";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--stories <FOLDER>")]
        [Description("The stories260k checkpoint (default: ../shared/models/stories260k beside the checkout).")]
        public string? StoriesFolder { get; init; }

        [CommandOption("--only <MODEL>")]
        [Description("Run one model only: stories260k or qwen3-random.")]
        public string? Only { get; init; }

        [CommandOption("--batch <N>")] [Description("Sequences sampled together, and sequences per LoRA step (default 8).")] public int Batch { get; init; } = 8;
        [CommandOption("--prompt-tokens <N>")] [Description("Prompt length of the sampling figures (default 16).")] public int PromptTokens { get; init; } = 16;
        [CommandOption("--new-tokens <N>")] [Description("Continuation length of the throughput figures (default 64).")] public int NewTokens { get; init; } = 64;
        [CommandOption("--long-tokens <N>")] [Description("Continuation length of the KV-cache speed-up figure (default 128).")] public int LongTokens { get; init; } = 128;
        [CommandOption("--rounds <N>")] [Description("Timed rounds per variant (default 1; the full run uses 3).")] public int Rounds { get; init; } = 1;
        [CommandOption("--train-tokens <N>")] [Description("Tokens per sequence of the LoRA step (default 128).")] public int TrainTokens { get; init; } = 128;
        [CommandOption("--train-steps <N>")] [Description("Timed LoRA steps, after two warm-up steps (default 3).")] public int TrainSteps { get; init; } = 3;

        [CommandOption("--memory-steps <N>")]
        [Description("Sample + train steps of the memory check on the smallest model (default 100; the full check is 1000; 0 skips it).")]
        public int MemorySteps { get; init; } = 100;

        [CommandOption("--hidden <N>")] [Description("qwen3-random: hidden size (default 384).")] public int Hidden { get; init; } = 384;
        [CommandOption("--layers <N>")] [Description("qwen3-random: decoder layers (default 8).")] public int Layers { get; init; } = 8;
        [CommandOption("--heads <N>")] [Description("qwen3-random: attention heads (default 6).")] public int Heads { get; init; } = 6;
        [CommandOption("--intermediate <N>")] [Description("qwen3-random: intermediate size of the feed-forward layers (default 1024).")] public int Intermediate { get; init; } = 1024;
        [CommandOption("--vocab <N>")] [Description("qwen3-random: vocabulary size (default 260).")] public int Vocab { get; init; } = 260;
        [CommandOption("--seed <N>")] [Description("Seed of qwen3-random's weights, the prompts and the sampling (default 1).")] public int Seed { get; init; } = 1;
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }

        [CommandOption("--compare-one-thread")]
        [Description("Also time sampling and the LoRA step with 1 torch thread, alternating with the configured count.")]
        public bool CompareOneThread { get; init; }

        public override ValidationResult Validate()
        {
            if (Only is not null && Only != StoriesName && Only != QwenName)
                return ValidationResult.Error($"--only must be {StoriesName} or {QwenName}, got '{Only}'.");
            foreach (var (name, value) in new[] { ("--batch", Batch), ("--prompt-tokens", PromptTokens), ("--new-tokens", NewTokens),
                         ("--long-tokens", LongTokens), ("--rounds", Rounds), ("--train-tokens", TrainTokens), ("--train-steps", TrainSteps),
                         ("--hidden", Hidden), ("--layers", Layers), ("--heads", Heads), ("--intermediate", Intermediate), ("--vocab", Vocab) })
                if (value < 1) return ValidationResult.Error($"{name} must be at least 1, got {value}.");
            if (MemorySteps < 0) return ValidationResult.Error($"--memory-steps must not be negative, got {MemorySteps}.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchmarkHeader.Print("bench-engine", string.Create(CultureInfo.InvariantCulture,
            $"batch {settings.Batch}, prompt {settings.PromptTokens} tokens, {settings.NewTokens} and {settings.LongTokens} new tokens, " +
            $"{settings.Rounds} rounds, LoRA step {settings.Batch} x {settings.TrainTokens} tokens x {settings.TrainSteps} steps, memory check {settings.MemorySteps} steps"));
        var models = new List<BenchModel>();
        try
        {
            if (settings.Only is null or StoriesName)
            {
                var folder = settings.StoriesFolder ?? SharedFolder.Require(StoriesPath, "bench-engine (stories260k)");
                Console.WriteLine($"{StoriesName}: read from {Path.GetFullPath(folder)}");
                models.Add(await BenchModel.LoadAsync(StoriesName, folder));
                await TorchThreads.ApplyAsync(settings.Threads, models[^1].Thread);
            }
            if (settings.Only is null or QwenName)
            {
                var config = ModelConfig.CreateQwen3(settings.Vocab, settings.Hidden, settings.Intermediate, settings.Layers, settings.Heads);
                models.Add(await BenchModel.RandomAsync(QwenName, config, settings.Seed));
                await TorchThreads.ApplyAsync(settings.Threads, models[^1].Thread);
            }

            foreach (var model in models)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await MeasureModelAsync(model, settings);
            }
            if (settings.MemorySteps > 0)
                await MemoryCheckAsync(models.MinBy(m => m.ParameterCount)!, settings, cancellationToken);
            BenchmarkHeader.PrintEnd();
            return 0;
        }
        catch (BenchmarkInputException e)
        {
            BenchmarkHeader.PrintError(e.Message);
            return 2;
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    private static async Task MeasureModelAsync(BenchModel model, Settings settings)
    {
        var config = model.Model.Config;
        var table = new FigureTable(string.Create(CultureInfo.InvariantCulture,
            $"{model.Name}: {config.Architecture}, hidden {config.HiddenSize}, {config.NumHiddenLayers} layers, {config.NumAttentionHeads} heads " +
            $"({config.NumKeyValueHeads} kv), intermediate {config.IntermediateSize}, vocab {config.VocabSize}, {model.ParameterCount:N0} parameters"));
        Console.WriteLine($"{model.Name}: measuring with {await TorchThreads.ReadAsync(model.Thread)} torch threads (load average {MachineSnapshot.ReadLoadAverage()})");
        var sampling = new SamplingWorkload(model, settings.Batch, settings.PromptTokens, settings.Seed);
        var tokens = settings.Batch * settings.NewTokens;

        var shortRun = await PairedTimings.MeasureAsync(
            () => sampling.RunAsync(settings.NewTokens, useKvCache: true),
            () => sampling.RunAsync(settings.NewTokens, useKvCache: false),
            settings.Rounds);
        table.Add($"sampling tokens/s, batch {settings.Batch} x {settings.NewTokens} new, KV cache", Rate(tokens / shortRun.MedianA));
        table.Add($"sampling tokens/s, batch {settings.Batch} x {settings.NewTokens} new, no cache", Rate(tokens / shortRun.MedianB));
        table.Add($"KV-cache speed-up at {settings.NewTokens} new tokens", Ratio(shortRun.RatioBOverA));

        var longRun = await PairedTimings.MeasureAsync(
            () => sampling.RunAsync(settings.LongTokens, useKvCache: true),
            () => sampling.RunAsync(settings.LongTokens, useKvCache: false),
            settings.Rounds, warmUp: false); // the shorter runs above warmed both paths up
        var longTokens = settings.Batch * settings.LongTokens;
        table.Add($"sampling tokens/s, batch {settings.Batch} x {settings.LongTokens} new, KV cache", Rate(longTokens / longRun.MedianA));
        table.Add($"sampling tokens/s, batch {settings.Batch} x {settings.LongTokens} new, no cache", Rate(longTokens / longRun.MedianB));
        table.Add($"KV-cache speed-up at {settings.LongTokens} new tokens", Ratio(longRun.RatioBOverA),
            FigureTable.Verdict(longRun.RatioBOverA >= 5, ">= 5x"));

        using var training = await LoraStepWorkload.CreateAsync(model, settings.Batch, settings.TrainTokens, settings.Seed);
        await training.StepAsync();
        await training.StepAsync();
        var stepSeconds = new List<double>();
        for (var step = 0; step < settings.TrainSteps; step++)
            stepSeconds.Add(await PairedTimings.TimeAsync(training.StepAsync));
        table.Add($"LoRA step (forward + backward + AdamW), batch {settings.Batch} x {settings.TrainTokens} tokens, rank 8 on all linear layers ({training.TrainableParameters:N0} trainable)",
            string.Create(CultureInfo.InvariantCulture, $"{PairedTimings.Median(stepSeconds) * 1000:F0} ms (median of {settings.TrainSteps}; min {stepSeconds.Min() * 1000:F0}, max {stepSeconds.Max() * 1000:F0})"));

        // The LoRA workload keeps its adapter attached: sampling now samples the student, as SDPO does.
        var adapterSampling = await PairedTimings.MeasureAsync(
            () => training.WithMergedAdapterAsync(() => sampling.RunAsync(settings.NewTokens, useKvCache: true)),
            () => sampling.RunAsync(settings.NewTokens, useKvCache: true),
            settings.Rounds);
        table.Add($"sampling tokens/s with the LoRA adapter attached, merged into weight copies (SDPO's path)", Rate(tokens / adapterSampling.MedianA));
        table.Add($"sampling tokens/s with the LoRA adapter attached, unmerged branch", Rate(tokens / adapterSampling.MedianB));
        table.Add("unmerged / merged sampling time", Ratio(adapterSampling.RatioBOverA));

        var threads = await TorchThreads.ReadAsync(model.Thread);
        if (threads > 1 && settings.CompareOneThread)
        {
            // Torch's thread count is per OS thread: switch it on the device thread around each variant.
            async Task OneThread(Func<Task> work)
            {
                await TorchThreads.SetAsync(model.Thread, 1);
                try { await work(); }
                finally { await TorchThreads.SetAsync(model.Thread, threads); }
            }
            var sampleThreads = await PairedTimings.MeasureAsync(
                () => sampling.RunAsync(settings.NewTokens, useKvCache: true),
                () => OneThread(() => sampling.RunAsync(settings.NewTokens, useKvCache: true)),
                settings.Rounds);
            table.Add($"sampling with KV cache, {threads} torch threads / 1 thread (time ratio; below 1: more threads are faster)",
                Ratio(1 / sampleThreads.RatioBOverA), $"1 thread: {Rate(tokens / sampleThreads.MedianB)} tokens/s");
            var stepThreads = await PairedTimings.MeasureAsync(training.StepAsync, () => OneThread(training.StepAsync), settings.Rounds, warmUp: false);
            table.Add($"LoRA step, {threads} torch threads / 1 thread (time ratio)", Ratio(1 / stepThreads.RatioBOverA),
                string.Create(CultureInfo.InvariantCulture, $"1 thread: {stepThreads.MedianB * 1000:F0} ms"));
        }
        table.Add("load average after this model", MachineSnapshot.ReadLoadAverage());
        table.Print();
    }

    private static async Task MemoryCheckAsync(BenchModel model, Settings settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"memory check on {model.Name}: {settings.MemorySteps} steps of (sample {settings.Batch} x {settings.NewTokens} with the adapter attached, then one LoRA step on {settings.Batch} x {settings.TrainTokens})");
        var sampling = new SamplingWorkload(model, settings.Batch, settings.PromptTokens, settings.Seed);
        using var training = await LoraStepWorkload.CreateAsync(model, settings.Batch, settings.TrainTokens, settings.Seed);
        async Task StepAsync()
        {
            await sampling.RunAsync(settings.NewTokens, useKvCache: true);
            await training.StepAsync();
        }

        // Allocator pools, JIT and torch's thread pools settle in the first steps; growth counts from there.
        var warmUp = Math.Clamp(settings.MemorySteps / 20, 3, 50);
        for (var step = 0; step < warmUp; step++) await StepAsync();
        var start = MemorySnapshot.Take();
        Console.WriteLine($"  after {warmUp} warm-up steps: {start}");
        var report = Math.Max(1, settings.MemorySteps / 10);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var step = 1; step <= settings.MemorySteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await StepAsync();
            if (step % report == 0 && step < settings.MemorySteps)
                Console.WriteLine($"  step {step}: {MemorySnapshot.Take()} ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        var end = MemorySnapshot.Take();
        Console.WriteLine($"  step {settings.MemorySteps}: {end} ({clock.Elapsed.TotalSeconds:F0} s)");

        var table = new FigureTable($"memory over {settings.MemorySteps} sample + train steps on {model.Name}");
        table.Add("working set at start / end", $"{start.WorkingSetMiB:F1} / {end.WorkingSetMiB:F1} MiB");
        table.Add("working set growth", MemorySnapshot.Percent(end.WorkingSetGrowthSince(start)), FigureTable.Verdict(end.WorkingSetGrowthSince(start) < 0.05, "< 5%"));
        table.Add("working set after trimming the native heap, start / end", $"{start.TrimmedWorkingSetMiB:F1} / {end.TrimmedWorkingSetMiB:F1} MiB");
        table.Add("trimmed working set growth", MemorySnapshot.Percent(end.TrimmedWorkingSetGrowthSince(start)));
        table.Add("GC heap at start / end", $"{start.GcHeapMiB:F2} / {end.GcHeapMiB:F2} MiB");
        table.Add("GC heap growth", end.GcHeapGrowthTextSince(start), FigureTable.Verdict(end.GcHeapGrowthSince(start) < 0.05, "< 5%"));
        table.Add("live tensors at start / end", $"{start.LiveTensors} / {end.LiveTensors}");
        table.Add("time per step", string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMilliseconds / settings.MemorySteps:F0} ms"));
        table.Add("load average at end", MachineSnapshot.ReadLoadAverage());
        table.Print();
    }

    private static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
    private static string Ratio(double value) => value.ToString("F2", CultureInfo.InvariantCulture) + "x";
}
