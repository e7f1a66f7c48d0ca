using System.Diagnostics;
using System.Text.Json;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Training;
using Sdpo.Verifiers.Arithmetic;
using static TorchSharp.torch;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// Trains the embedded arithmetic model from scratch and writes it as a Hugging Face checkpoint folder
/// (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) plus <c>training_log.json</c>.
/// Deterministic given the seed; resumable from <c>&lt;output&gt;/checkpoint</c>, which also keeps the log so far,
/// so a resumed run's log and time cover the whole run. Running again once the checkpoint holds every step
/// changes nothing. Runs on the calling thread.
/// </summary>
public static class ArithmeticPretrainer
{
    public const string CheckpointFolderName = "checkpoint";
    public const string LogFileName = "training_log.json";

    /// <summary>Trains up to <see cref="PretrainOptions.Steps"/> (or until cancelled or out of time) and writes the
    /// model; returns where the run stands.</summary>
    public static PretrainSummary Run(PretrainOptions options, IProgress<PretrainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var definition = ArithmeticTokenizer.Definition();
        var tokenizer = ArithmeticTokenizer.Create(definition);
        int eos = tokenizer.StopTokenIds[0];
        var config = options.InitFrom is { } init
            ? CheckpointLoader.LoadConfig(init)
            : ModelConfig.CreateQwen3(
                vocabSize: definition.Vocabulary.Count + definition.AddedTokens.Count,
                hiddenSize: options.HiddenSize, intermediateSize: options.IntermediateSize, numHiddenLayers: options.Layers,
                numAttentionHeads: options.Heads, numKeyValueHeads: options.KeyValueHeads,
                maxPositionEmbeddings: options.ContextLength, ropeTheta: 10000, eosTokenIds: new[] { eos });

        manual_seed(options.Seed);
        using var model = new CausalLM(config);
        if (options.InitFrom is not null) CheckpointLoader.LoadWeights(model, options.InitFrom);
        else model.InitializeWeights(options.Seed);
        var trainerOptions = new TrainerOptions
        {
            LearningRate = options.LearningRate,
            WarmupSteps = options.WarmupSteps,
            TotalSteps = options.Steps,
        };
        using var trainer = new LanguageModelTrainer(model, trainerOptions);
        string checkpoint = Path.Combine(options.OutputFolder, CheckpointFolderName);
        var earlier = RunLog.Empty;
        if (File.Exists(Path.Combine(checkpoint, "model.safetensors")))
        {
            trainer.LoadCheckpoint(checkpoint);
            earlier = RunLog.Read(checkpoint, trainer.Step);
        }
        int lastStep = options.LastStep;
        if (trainer.Step >= lastStep && File.Exists(Path.Combine(options.OutputFolder, LogFileName)))
            return new PretrainSummary(trainer.Step, options.Steps, earlier.Elapsed, AlreadyComplete: true);

        var curriculum = new ArithmeticCurriculum(options.Curriculum);
        var policyPuzzles = new ArithmeticCurriculum(options.PolicyGradientCurriculum);
        var heldOut = HeldOutPuzzles(curriculum, options);
        var log = earlier.Entries.ToList();
        var selfPlay = SelfPlayPool.Empty;
        var clock = Stopwatch.StartNew();
        while (trainer.Step < lastStep && !cancellationToken.IsCancellationRequested)
        {
            if (options.MaxDuration is { } limit && clock.Elapsed > limit) break;
            int selfFailures = (int)Math.Round(options.BatchSize * options.SelfFailureShare);
            int selfSolved = (int)Math.Round(options.BatchSize * options.SelfSolvedShare);
            if (selfFailures + selfSolved > 0 && (selfPlay.IsEmpty || trainer.Step % options.SelfPlayRefreshEvery == 0))
                selfPlay = SelfPlayExamples.Collect(model, tokenizer, curriculum, failures: selfFailures * 8, solved: selfSolved * 8,
                    seed: TrainingSeeds.Derive(options.Seed, trainer.Step, "self-play"));
            var selfPlayRandom = new Random(TrainingSeeds.Derive(options.Seed, trainer.Step, "self"));
            var fromSelfPlay = Draw(selfPlay.Teacher, selfFailures, selfPlayRandom).Concat(Draw(selfPlay.Direct, selfSolved, selfPlayRandom)).ToList();
            var policy = options.PolicyGradientPuzzles > 0
                ? PolicyGradientExamples.Collect(model, tokenizer, policyPuzzles, options.PolicyGradientPuzzles, options.PolicyGradientSamples,
                    seed: TrainedPuzzles.PolicyGradientSeed(options.Seed, trainer.Step), teacherShare: options.PolicyGradientTeacherShare)
                : null;
            var examples = curriculum.Batch(options.Seed, trainer.Step, options.BatchSize - fromSelfPlay.Count)
                .Concat(fromSelfPlay)
                .Concat(policy?.Examples ?? []);
            var batch = examples
                .Select(e => Encode(tokenizer, e, eos))
                .Where(e => e.Tokens.Count <= options.ContextLength)
                .ToList();
            double rate = trainerOptions.LearningRateAt(trainer.Step);
            double loss = trainer.TrainStep(batch);
            var report = new PretrainProgress(trainer.Step, options.Steps, loss, rate, earlier.Elapsed + clock.Elapsed, SampledPassRate: policy?.PassRate);
            if (trainer.Step % options.EvaluateEvery == 0 || trainer.Step == lastStep)
                report = Evaluate(model, tokenizer, trainer, heldOut, report, eos);
            log.Add(report);
            if (trainer.Step % options.CheckpointEvery == 0) Save(trainer, definition, checkpoint, new RunLog(earlier.Elapsed + clock.Elapsed, log));
            progress?.Report(report);
        }

        var elapsed = earlier.Elapsed + clock.Elapsed;
        Save(trainer, definition, checkpoint, new RunLog(elapsed, log));
        CheckpointWriter.Save(model, options.OutputFolder);
        ArithmeticTokenizer.Save(options.OutputFolder, definition);
        File.WriteAllText(Path.Combine(options.OutputFolder, LogFileName), JsonSerializer.Serialize(new
        {
            options = options with { Curriculum = options.Curriculum },
            parameters = model.parameters().Sum(p => p.numel()),
            // Written under TrainedPuzzles.EvalSliceLeftOutProperty: true only when every stage so far left the slice out.
            evalSliceLeftOut = options.Curriculum.LeaveOutEvalSlice && options.PolicyGradientCurriculum.LeaveOutEvalSlice
                && (options.InitFrom is null || TrainedPuzzles.EvalSliceLeftOutBy(options.InitFrom)),
            steps = trainer.Step,
            seconds = elapsed.TotalSeconds,
            log = log.Where(r => r.HeldOutAccuracy is not null || r.Step % 50 == 0),
        }, new JsonSerializerOptions { WriteIndented = true }));
        return new PretrainSummary(trainer.Step, options.Steps, elapsed, AlreadyComplete: false);
    }

    private static IEnumerable<CurriculumExample> Draw(IReadOnlyList<CurriculumExample> pool, int count, Random random) =>
        pool.Count == 0 ? [] : Enumerable.Range(0, count).Select(_ => pool[random.Next(pool.Count)]);

    public static TrainingExample Encode(ITextTokenizer tokenizer, CurriculumExample example, int eos)
    {
        var context = tokenizer.Encode(example.Context);
        var tokens = new List<int>(context);
        tokens.AddRange(tokenizer.Encode(example.Completion));
        tokens.Add(eos);
        return new TrainingExample(tokens, context.Count, example.Weight);
    }

    private static List<(ArithmeticPuzzle Puzzle, CurriculumExample Example)> HeldOutPuzzles(ArithmeticCurriculum curriculum, PretrainOptions options)
    {
        // A seed no training batch uses: held-out puzzles are never trained on (up to chance collisions).
        var random = new Random(TrainingSeeds.Derive(options.Seed, 0, "held-out"));
        return Enumerable.Range(0, options.HeldOutPuzzles).Select(_ =>
        {
            var (puzzle, answer) = curriculum.Puzzle(random);
            return (puzzle, new CurriculumExample(CurriculumExampleKind.Direct, puzzle.RenderPrompt(), answer.ToString()));
        }).ToList();
    }

    private static PretrainProgress Evaluate(CausalLM model, ITextTokenizer tokenizer, LanguageModelTrainer trainer,
        List<(ArithmeticPuzzle Puzzle, CurriculumExample Example)> heldOut, PretrainProgress report, int eos)
    {
        double loss = trainer.Evaluate(heldOut.Select(h => Encode(tokenizer, h.Example, eos)).ToList());
        var generator = new TextGenerator(model, tokenizer);
        var prompts = heldOut.Select(h => tokenizer.Encode(h.Puzzle.RenderPrompt())).ToList();
        var answers = generator.Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 48, StopTokenIds = tokenizer.StopTokenIds });
        int solved = heldOut.Zip(answers).Count(pair => pair.First.Puzzle.CreateVerifier().Check(pair.Second.Text).Passed);
        return report with { HeldOutLoss = loss, HeldOutAccuracy = solved / (double)heldOut.Count };
    }

    private static void Save(LanguageModelTrainer trainer, Sdpo.Engine.Tokenization.HuggingFace.ByteLevelBpeDefinition definition, string folder, RunLog log)
    {
        trainer.SaveCheckpoint(folder);
        ArithmeticTokenizer.Save(folder, definition);
        log.Write(folder);
    }

    /// <summary>The progress reports and training time up to a checkpoint, kept beside it.</summary>
    private sealed record RunLog(TimeSpan Elapsed, IReadOnlyList<PretrainProgress> Entries)
    {
        public static readonly RunLog Empty = new(TimeSpan.Zero, []);
        private const string FileName = "run_log.json";

        public void Write(string checkpoint) =>
            File.WriteAllText(Path.Combine(checkpoint, FileName), JsonSerializer.Serialize(this));

        /// <summary>The log saved with the checkpoint, cut at its step; empty for checkpoints written before logs were kept.</summary>
        public static RunLog Read(string checkpoint, int step)
        {
            var path = Path.Combine(checkpoint, FileName);
            if (!File.Exists(path)) return Empty;
            var saved = JsonSerializer.Deserialize<RunLog>(File.ReadAllText(path)) ?? Empty;
            return saved with { Entries = saved.Entries.Where(e => e.Step <= step).ToList() };
        }
    }
}
