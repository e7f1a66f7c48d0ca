using System.ComponentModel;
using Sdpo.Engine.Checkpoints;
using Sdpo.Training.Arithmetic;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sdpo.Cli.Commands;

/// <summary>Trains the embedded arithmetic model from scratch into a Hugging Face checkpoint folder.</summary>
public sealed class PretrainCommand : AsyncCommand<PretrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--output <FOLDER>")]
        [Description("Checkpoint folder to write; resumes from <FOLDER>/checkpoint when present (default artifacts/arithmetic-model).")]
        public string Output { get; init; } = "artifacts/arithmetic-model";

        // The defaults below are PretrainOptions' (a full run) and PretrainOptions.Quick's; PretrainCommandTests checks them.
        [CommandOption("--seed <N>")] [Description("Seed of the initial weights and of every draw of training and held-out puzzles (default 1).")]
        public int Seed { get; init; } = 1;
        [CommandOption("--steps <N>")] [AtLeast(1, "--steps")] [Description("Training steps, the length of the learning-rate schedule (default 3000; --quick 30).")]
        public int? Steps { get; init; }
        [CommandOption("--batch <N>")] [AtLeast(1, "--batch")] [Description("Examples per step (default 32; --quick 8).")]
        public int? BatchSize { get; init; }
        [CommandOption("--hidden <N>")] [AtLeast(1, "--hidden")] [Description("Hidden size of the new model (default 256; --quick 32).")]
        public int? Hidden { get; init; }
        [CommandOption("--layers <N>")] [AtLeast(1, "--layers")] [Description("Decoder layers (default 6; --quick 2).")]
        public int? Layers { get; init; }
        [CommandOption("--heads <N>")] [AtLeast(1, "--heads")] [Description("Attention heads (default 8; --quick 4).")]
        public int? Heads { get; init; }
        [CommandOption("--kv-heads <N>")] [AtLeast(1, "--kv-heads")] [Description("Key-value heads, shared by groups of attention heads (default 4; --quick 2).")]
        public int? KeyValueHeads { get; init; }
        [CommandOption("--intermediate <N>")] [AtLeast(1, "--intermediate")] [Description("Intermediate size of the feed-forward layers (default 768; --quick 64).")]
        public int? Intermediate { get; init; }
        [CommandOption("--lr <RATE>")] [Description("Peak learning rate, reached at the end of the warm-up, then lowered on a cosine over --steps (default 2e-3).")]
        public double? LearningRate { get; init; }
        [CommandOption("--warmup <STEPS>")] [AtLeast(0, "--warmup")] [Description("Steps of linear learning-rate warm-up (default 100; --quick 5).")]
        public int? WarmupSteps { get; init; }
        [CommandOption("--teacher-share <SHARE>")]
        [Description("Share of curriculum examples in SDPO's teacher format: the prompt with the feedback on a failed attempt, then a correct answer (default 0.4).")]
        public double? TeacherShare { get; init; }
        [CommandOption("--evaluation-share <SHARE>")]
        [Description("Share of curriculum examples that evaluate an expression step by step instead of solving a puzzle (default 0).")]
        public double? EvaluationShare { get; init; }
        [CommandOption("--max-minutes <N>")] [Description("Stop after this much wall time, saving everything as at the end (default: no limit).")]
        public double? MaxMinutes { get; init; }
        [CommandOption("--stop-after <STEPS>")]
        [Description("Stop after this many steps, the learning rate still following the schedule of --steps (a stage cut short, reproducibly; default: --steps).")]
        public int? StopAfter { get; init; }
        [CommandOption("--threads <N>")] [AtLeast(1, "--threads")] [Description("Torch CPU threads (default: all cores).")] public int? Threads { get; init; }

        [CommandOption("--init-from <FOLDER>")] [Description("Fine-tune: start from this checkpoint's weights and shape (default: random weights of the shape above).")] public string? InitFrom { get; init; }
        [CommandOption("--self-failure-share <SHARE>")] [Description("Share of each batch built from corrections of the model's own failures (teacher format; default 0).")] public double? SelfFailureShare { get; init; }
        [CommandOption("--self-solved-share <SHARE>")] [Description("Share of each batch built from the model's own passing answers (direct format; default 0).")] public double? SelfSolvedShare { get; init; }

        [CommandOption("--policy-gradient-puzzles <N>")]
        [Description("Fresh small puzzles the current model samples at every step; each sample is trained with its reward minus its puzzle's mean reward (default 0: off).")]
        public int? PolicyGradientPuzzles { get; init; }

        [CommandOption("--policy-gradient-samples <N>")]
        [Description("Samples per policy-gradient puzzle (at least 2; default 8).")]
        public int? PolicyGradientSamples { get; init; }

        [CommandOption("--policy-gradient-teacher-share <SHARE>")]
        [Description("Share of the policy-gradient puzzles sampled in SDPO's teacher context, after the feedback on one failed attempt of the model's own (default 0).")]
        public double? PolicyGradientTeacherShare { get; init; }

        [CommandOption("--quick")]
        [Description("A tiny configuration that trains in seconds (for trying the pipeline).")]
        public bool Quick { get; init; }

        public override ValidationResult Validate()
        {
            foreach (var (name, share) in new[] { ("--teacher-share", TeacherShare), ("--evaluation-share", EvaluationShare), ("--self-failure-share", SelfFailureShare), ("--self-solved-share", SelfSolvedShare), ("--policy-gradient-teacher-share", PolicyGradientTeacherShare) })
                if (share is < 0 or > 1) return ValidationResult.Error($"{name} must be between 0 and 1, got {share}.");
            if ((SelfFailureShare ?? 0) + (SelfSolvedShare ?? 0) > 1)
                return ValidationResult.Error("--self-failure-share and --self-solved-share together must not exceed 1.");
            // Checked against the steps the run will have: without --steps a stop past them trained to the end, silently.
            if (StopAfter is { } stop && (stop < 1 || stop > EffectiveSteps))
                return ValidationResult.Error($"--stop-after must be between 1 and --steps ({EffectiveSteps}{(Steps is null ? ", the default" : "")}), got {stop}.");
            if (PolicyGradientPuzzles is < 0) return ValidationResult.Error($"--policy-gradient-puzzles must not be negative, got {PolicyGradientPuzzles}.");
            if (PolicyGradientSamples is < 2) return ValidationResult.Error($"--policy-gradient-samples must be at least 2 (a puzzle's samples are each other's baseline), got {PolicyGradientSamples}.");
            if (InitFrom is not null)
            {
                // The shape comes from the checkpoint's config.json; a shape flag beside it would be silently ignored.
                var shapeFlags = new (string Name, int? Value)[] { ("--hidden", Hidden), ("--layers", Layers), ("--heads", Heads), ("--kv-heads", KeyValueHeads), ("--intermediate", Intermediate) }
                    .Where(flag => flag.Value is not null).Select(flag => flag.Name).ToList();
                if (shapeFlags.Count > 0)
                    return ValidationResult.Error($"{string.Join(", ", shapeFlags)} cannot be used with --init-from: the model keeps the shape of '{InitFrom}'.");
                if (!File.Exists(Path.Combine(InitFrom, CheckpointFiles.Config)))
                    return ValidationResult.Error($"--init-from '{InitFrom}' is not a checkpoint folder (no {CheckpointFiles.Config} there).");
            }
            return ValidationResult.Success();
        }

        /// <summary>The options the flags override: --quick's, else a full run's.</summary>
        public PretrainOptions Defaults => Quick ? PretrainOptions.Quick(Output) : new PretrainOptions { OutputFolder = Output };

        /// <summary>--steps, else the default's.</summary>
        public int EffectiveSteps => Steps ?? Defaults.Steps;
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
        try
        {
            OutputFolder.Create(settings.Output);
        }
        catch (IOException ex)
        {
            CliErrors.Print(ex.Message);
            return Task.FromResult(CliErrors.BadInput);
        }
        var defaults = settings.Defaults;
        var options = defaults with
        {
            Seed = settings.Seed,
            Steps = settings.Steps ?? defaults.Steps,
            BatchSize = settings.BatchSize ?? defaults.BatchSize,
            HiddenSize = settings.Hidden ?? defaults.HiddenSize,
            Layers = settings.Layers ?? defaults.Layers,
            Heads = settings.Heads ?? defaults.Heads,
            KeyValueHeads = settings.KeyValueHeads ?? defaults.KeyValueHeads,
            IntermediateSize = settings.Intermediate ?? defaults.IntermediateSize,
            LearningRate = settings.LearningRate ?? defaults.LearningRate,
            WarmupSteps = settings.WarmupSteps ?? defaults.WarmupSteps,
            MaxDuration = settings.MaxMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            StopAfterStep = settings.StopAfter,
            InitFrom = settings.InitFrom,
            SelfFailureShare = settings.SelfFailureShare ?? defaults.SelfFailureShare,
            SelfSolvedShare = settings.SelfSolvedShare ?? defaults.SelfSolvedShare,
            PolicyGradientPuzzles = settings.PolicyGradientPuzzles ?? defaults.PolicyGradientPuzzles,
            PolicyGradientSamples = settings.PolicyGradientSamples ?? defaults.PolicyGradientSamples,
            PolicyGradientTeacherShare = settings.PolicyGradientTeacherShare ?? defaults.PolicyGradientTeacherShare,
            Curriculum = defaults.Curriculum with
            {
                TeacherShare = settings.TeacherShare ?? defaults.Curriculum.TeacherShare,
                EvaluationShare = settings.EvaluationShare ?? defaults.Curriculum.EvaluationShare,
            },
        };

        var initial = options.InitFrom is { } init ? CheckpointLoader.LoadConfig(init) : null;
        var (hidden, layers) = initial is null ? (options.HiddenSize, options.Layers) : (initial.HiddenSize, initial.NumHiddenLayers);
        string from = options.InitFrom is null ? "" : $" from {Markup.Escape(options.InitFrom)}";
        AnsiConsole.MarkupLine($"Training into [bold]{Markup.Escape(options.OutputFolder)}[/]{from}: hidden {hidden}, {layers} layers, {options.Steps} steps of {options.BatchSize}, seed {options.Seed}");
        PretrainSummary? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progressContext =>
            {
                var task = progressContext.AddTask("pretrain", maxValue: options.LastStep);
                double? accuracy = null, heldOutLoss = null, sampledPassRate = null;
                var progress = new InlineProgress<PretrainProgress>(p =>
                {
                    accuracy = p.HeldOutAccuracy ?? accuracy;
                    heldOutLoss = p.HeldOutLoss ?? heldOutLoss;
                    // A moving average: one step's samples are too few to read.
                    if (p.SampledPassRate is { } rate) sampledPassRate = sampledPassRate is { } mean ? 0.95 * mean + 0.05 * rate : rate;
                    task.Value = p.Step;
                    string sampled = sampledPassRate is { } shown ? $" samples pass {shown:P0}" : "";
                    task.Description = $"loss {p.Loss:F3} held-out {heldOutLoss:F3} acc {accuracy:P0}{sampled} lr {p.LearningRate:G2}";
                    if (p.HeldOutAccuracy is not null)
                        AnsiConsole.MarkupLine($"step {p.Step}: loss {p.Loss:F3}, held-out loss {p.HeldOutLoss:F3}, greedy accuracy {p.HeldOutAccuracy:P1}, {p.Elapsed:hh\\:mm\\:ss}");
                });
                summary = ArithmeticPretrainer.Run(options, progress, cancellationToken);
                task.Value = summary.Steps;
            });
        // The pretrainer stops between steps when cancelled and saves the model and its checkpoint as at the end of a run.
        bool cancelled = !summary!.AlreadyComplete && cancellationToken.IsCancellationRequested && summary.Steps < options.LastStep;
        AnsiConsole.MarkupLine(summary.AlreadyComplete
            ? $"Nothing to train: the checkpoint already holds step {summary.Steps} of {summary.TotalSteps}; the model in {Markup.Escape(options.OutputFolder)} is unchanged (raise --steps or --stop-after to train on)."
            : cancelled
                ? $"[yellow]Cancelled at step {summary.Steps} of {summary.TotalSteps}[/] ({summary.Elapsed:hh\\:mm\\:ss} of training over the whole run): the model and its checkpoint are saved in {Markup.Escape(options.OutputFolder)}; the same command resumes from there."
                : $"Trained to step {summary.Steps} of {summary.TotalSteps} ({summary.Elapsed:hh\\:mm\\:ss} of training over the whole run).");
        return Task.FromResult(cancelled ? 1 : 0);
    }
}
