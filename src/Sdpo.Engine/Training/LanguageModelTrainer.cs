using System.Text.Json;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Training;

/// <summary>
/// Trains every weight of a <see cref="CausalLM"/> on completion tokens only (the cross-entropy of the tokens
/// after each example's context), for pretraining small models from scratch. Call it from one thread; each
/// step runs in its own dispose scope. Checkpoints hold the model in Hugging Face layout plus the optimizer
/// state and step, so an interrupted run resumes where it stopped.
/// </summary>
public sealed class LanguageModelTrainer : IDisposable
{
    private const string TrainerStateFile = "trainer_state.json";
    private const string OptimizerStateFile = "optimizer.bin";
    private readonly CausalLM _model;
    private readonly SequenceScorer _scorer;
    private readonly TorchSharp.Modules.AdamW _optimizer;
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> _parameters;

    public LanguageModelTrainer(CausalLM model, TrainerOptions options)
    {
        _model = model;
        Options = options;
        _scorer = new SequenceScorer(model);
        _parameters = model.parameters().ToList();
        foreach (var parameter in _parameters) parameter.requires_grad = true;
        _optimizer = optim.AdamW(_parameters, lr: options.LearningRate, beta1: options.Beta1, beta2: options.Beta2, weight_decay: options.WeightDecay);
    }

    public TrainerOptions Options { get; }

    /// <summary>Optimizer steps taken so far (restored by <see cref="LoadCheckpoint"/>).</summary>
    public int Step { get; private set; }

    /// <summary>
    /// One optimizer step on a batch; returns the mean completion-token loss in nats (each example's scaled by its
    /// <see cref="TrainingExample.Weight"/>, over all completion tokens of the batch). The batch is sorted by
    /// length and run in chunks of similar length whose gradients add up, so short examples are not padded to
    /// the longest one (mixing 50-token prompts with 300-token teacher contexts would otherwise waste most of
    /// the compute). The result equals one pass over the whole batch.
    /// </summary>
    public double TrainStep(IReadOnlyList<TrainingExample> batch)
    {
        foreach (var example in batch) example.Validate();
        double rate = Options.LearningRateAt(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;

        _optimizer.zero_grad();
        double totalTokens = batch.Sum(e => e.Tokens.Count - e.CompletionStart);
        double totalLoss = 0;
        foreach (var chunk in LengthChunks(batch))
        {
            using var scope = NewDisposeScope();
            var lossSum = LossSum(chunk);
            (lossSum / totalTokens).backward();
            totalLoss += lossSum.ToScalarDouble();
        }
        using (var scope = NewDisposeScope())
        {
            nn.utils.clip_grad_norm_(_parameters, Options.MaxGradNorm);
            _optimizer.step();
        }
        Step++;
        return totalLoss / totalTokens;
    }

    /// <summary>Mean completion-token loss without learning (held-out evaluation).</summary>
    public double Evaluate(IReadOnlyList<TrainingExample> batch)
    {
        using var noGrad = no_grad();
        double loss = 0;
        foreach (var chunk in LengthChunks(batch))
        {
            using var scope = NewDisposeScope();
            loss += LossSum(chunk).ToScalarDouble();
        }
        return loss / batch.Sum(e => e.Tokens.Count - e.CompletionStart);
    }

    /// <summary>Examples sorted by length, cut where the next one would be much longer than the chunk's first.</summary>
    private static IEnumerable<List<TrainingExample>> LengthChunks(IReadOnlyList<TrainingExample> batch)
    {
        var chunk = new List<TrainingExample>();
        foreach (var example in batch.OrderBy(e => e.Tokens.Count))
        {
            if (chunk.Count > 0 && example.Tokens.Count > chunk[0].Tokens.Count * 1.25 + 8)
            {
                yield return chunk;
                chunk = new List<TrainingExample>();
            }
            chunk.Add(example);
        }
        if (chunk.Count > 0) yield return chunk;
    }

    /// <summary>The summed negative log-likelihood of the completion tokens, each example's scaled by its weight.</summary>
    private Tensor LossSum(IReadOnlyList<TrainingExample> batch)
    {
        var pairs = batch.Select(e => new ScoringPair(e.Tokens.Take(e.CompletionStart).ToList(), e.Tokens.Skip(e.CompletionStart).ToList())).ToList();
        using var scores = _scorer.ContinuationLogProbs(pairs);
        var tokenLogProbs = scores.TokenLogProbs();
        if (batch.All(e => e.Weight == 1.0)) return tokenLogProbs.sum().neg();
        using var weights = tensor(batch.Select(e => (float)e.Weight).ToArray(), device: tokenLogProbs.device).unsqueeze(1);
        return tokenLogProbs.mul(weights).sum().neg();
    }

    /// <summary>Writes the model (config.json + model.safetensors) and the trainer state into <paramref name="folder"/>.</summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        CheckpointWriter.Save(_model, folder);
        _optimizer.save_state_dict(Path.Combine(folder, OptimizerStateFile));
        File.WriteAllText(Path.Combine(folder, TrainerStateFile), JsonSerializer.Serialize(new { step = Step }));
    }

    /// <summary>Restores weights, optimizer state and step from a folder written by <see cref="SaveCheckpoint"/>.</summary>
    public void LoadCheckpoint(string folder)
    {
        CheckpointLoader.LoadWeights(_model, folder);
        string optimizerPath = Path.Combine(folder, OptimizerStateFile);
        if (File.Exists(optimizerPath)) _optimizer.load_state_dict(optimizerPath);
        string statePath = Path.Combine(folder, TrainerStateFile);
        if (File.Exists(statePath))
            Step = JsonDocument.Parse(File.ReadAllText(statePath)).RootElement.GetProperty("step").GetInt32();
    }

    public void Dispose() => _optimizer.Dispose();
}
