using System.Diagnostics;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Lora;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// The model side of one discovery run on a shared base model. For SDPO it owns the question's LoRA adapter
/// (the student), the teacher (an EMA copy of the adapter, the base model itself, or a trust-region mix) and the
/// AdamW state; the baselines sample the base model. Every tensor operation runs on the model's device thread.
/// </summary>
public sealed class SdpoPolicy : IDiscoveryPolicy
{
    private readonly LanguageModel _model;
    private readonly DiscoveryMethod _method;
    private readonly SdpoOptions _options;
    private readonly SequenceScorer _scorer;
    private readonly TextGenerator _generator;
    private readonly IAnswerGrammar? _grammar;
    private readonly PromptEncodings _encodings;
    // The opening every step's contexts share (the question, a feedback header), for as long as the weights hold.
    private readonly PromptOpeningCache _openings = new();
    // The base model's opening of the teacher contexts (the question, the feedback header): the base weights never
    // change, so a frozen teacher runs it once per run rather than once per step.
    private readonly PromptOpeningCache _baseTeacherOpenings = new();
    private GrammarTokenFilter? _grammarFilter;
    private LoraAdapter? _student;
    private LoraAdapter? _teacher;
    private AdapterAdamW? _optimizer;

    private SdpoPolicy(LanguageModel model, DiscoveryMethod method, SdpoOptions options, IAnswerGrammar? grammar)
    {
        _model = model;
        _method = method;
        _options = options;
        _grammar = grammar;
        _scorer = new SequenceScorer(model.Model);
        _generator = new TextGenerator(model.Model, model.Tokenizer);
        _encodings = new PromptEncodings(model.EncodePrompt);
    }

    /// <summary>Creates the policy, with a fresh adapter and optimizer for SDPO, on the model's device thread.</summary>
    public static Task<SdpoPolicy> CreateAsync(LanguageModel model, DiscoveryRequest request, CancellationToken cancellationToken) =>
        model.Thread.RunAsync(() =>
        {
            var policy = new SdpoPolicy(model, request.Method, request.EffectiveSdpo, request.AnswerGrammar);
            if (request.Method == DiscoveryMethod.Sdpo) policy.CreateLearner(request.Seed);
            return policy;
        }, cancellationToken);

    public LoraAdapter? Adapter => _student;

    public int MaxContextTokens => _model.ContextLength;

    public int CountContextTokens(string context) => _encodings.Encode(context).Count;

    public Task<IReadOnlyList<SampledAttempt>> SampleAsync(IReadOnlyList<string> contexts, AttemptSampling sampling, long seed, CancellationToken cancellationToken)
    {
        var prompts = contexts.Select(_encodings.Encode).ToList();
        // A context that leaves less than maxNewTokens (a self-teacher's, near the limit) gets what is left: the
        // generator stops at the model's context end. One that leaves no token at all cannot be sampled.
        int longest = prompts.Max(p => p.Count);
        if (longest + 1 > _model.ContextLength)
            throw new ContextLengthException(longest + 1, _model.ContextLength, "context plus one new token");
        var options = new SamplingOptions
        {
            Temperature = sampling.Temperature,
            TopP = sampling.TopP,
            MaxNewTokens = sampling.MaxNewTokens,
            StopTokenIds = _model.Tokenizer.StopTokenIds,
            Seed = seed,
            Grammar = sampling.Constrained ? _grammar : null,
        };
        return _model.Thread.RunAsync<IReadOnlyList<SampledAttempt>>(() =>
        {
            if (ReadsQuestionThroughBase && _openings.Length == 0) _scorer.KeepOpening(prompts[0], _openings); // no adapter attached yet
            using var attachment = _student?.Attach(_model.Model);
            // Sampling takes no gradient: merged weights save the adapter's extra matmuls at every token.
            using var merged = _student?.MergeForInference();
            return _generator.Generate(prompts, options, _openings)
                .Select(s => new SampledAttempt(s.Text ?? "", s.TokenIds, s.LogProbs, s.StopTokenId))
                .ToList();
        }, cancellationToken);
    }

    public Task<UpdateFigures> UpdateAsync(IReadOnlyList<TrainingAttempt> attempts, CancellationToken cancellationToken)
    {
        if (_student is null || _optimizer is null)
            throw new InvalidOperationException($"Only an SDPO run learns; this run is {_method}.");
        // Identical attempts (same contexts, same tokens) are scored once and weighted by their count: the same
        // loss and gradient as scoring each, for less work when the policy repeats itself.
        var distinct = attempts
            .Select(a => (a.StudentContext, a.TeacherContext, Tokens: Continuation(a.Attempt)))
            .Where(a => a.Tokens.Count > 0)
            .GroupBy(a => (a.StudentContext, a.TeacherContext, Key: string.Join(',', a.Tokens)))
            .Select(group => (Attempt: group.First(), Count: group.Count()))
            .ToList();
        if (distinct.Count == 0) return Task.FromResult(new UpdateFigures(0, 0, 0, 0, 0, 0));
        var studentPairs = distinct.Select(d => new ScoringPair(_encodings.Encode(d.Attempt.StudentContext), d.Attempt.Tokens)).ToList();
        var teacherPairs = distinct.Select(d => new ScoringPair(_encodings.Encode(d.Attempt.TeacherContext), d.Attempt.Tokens)).ToList();
        var counts = distinct.Select(d => (float)d.Count).ToArray();
        var allowed = _options.DistillWithinGrammar && _grammar is not null ? distinct.Select(d => AllowedTokens(d.Attempt.Tokens)).ToList() : null;
        return _model.Thread.RunAsync(() =>
        {
            try
            {
                return Update(studentPairs, teacherPairs, counts, allowed);
            }
            finally
            {
                // Computed with the weights this update changed; a base-model opening holds for the run.
                if (!ReadsQuestionThroughBase) _openings.Clear();
            }
        }, cancellationToken);
    }

    /// <summary>Per position of a continuation, the tokens the grammar allowed there (what the sampler could draw).</summary>
    private bool[][] AllowedTokens(IReadOnlyList<int> continuation)
    {
        var filter = _grammarFilter ??= _generator.FilterFor(_grammar!, _model.Tokenizer.StopTokenIds);
        return filter.AllowedAlong(continuation, _model.Tokenizer.Decode);
    }

    /// <summary>Log-probs renormalised over the allowed tokens; the others get a large finite negative value, not −∞,
    /// so that 0·log 0 terms of the divergences stay 0 rather than NaN.</summary>
    private static Tensor WithinGrammar(Tensor logProbs, Tensor? allowed) =>
        allowed is null ? logProbs : logProbs.masked_fill(allowed.logical_not(), -1e4).log_softmax(-1);

    /// <summary>The attempt's tokens plus the stop token that ended it: the teacher may disagree with stopping too.</summary>
    private static IReadOnlyList<int> Continuation(SampledAttempt attempt) =>
        attempt.StopTokenId is { } stop ? attempt.TokenIds.Append(stop).ToList() : attempt.TokenIds;

    private UpdateFigures Update(List<ScoringPair> studentPairs, List<ScoringPair> teacherPairs, float[] counts, IReadOnlyList<bool[][]>? allowed)
    {
        var clock = Stopwatch.StartNew();
        using var allowedMask = allowed is null ? null
            : GrammarTokenFilter.Mask(allowed, studentPairs.Max(p => p.Continuation.Count), _model.Model.Config.VocabSize, _model.Model.Device);
        var teacherLogProbs = TeacherLogProbs(teacherPairs);
        if (_options.TeacherGuidance > 0)
        {
            using var withoutFeedback = TeacherLogProbs(studentPairs);
            var guided = Guided(teacherLogProbs, withoutFeedback, _options.TeacherGuidance);
            teacherLogProbs.Dispose();
            teacherLogProbs = guided;
        }
        if (allowedMask is not null)
        {
            var within = WithinGrammar(teacherLogProbs, allowedMask);
            teacherLogProbs.Dispose();
            teacherLogProbs = within;
        }
        double teacherMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        double loss = 0, divergence = 0, logRatio = 0, gradNorm = 0;
        Tensor? oldLogProbs = null;
        using var attachment = _student!.Attach(_model.Model);
        using var multiplicity = counts.Any(c => c > 1) ? tensor(counts, device: _model.Model.Device) : null;
        for (int update = 0; update < _options.UpdatesPerBatch; update++)
        {
            using var scope = NewDisposeScope();
            // A detached question reads the keys and values this step's sampling left, while the weights are still
            // those; a question read through the base model reads the base model's, at every update.
            var sampledOpening = ReadsQuestionThroughBase || (_options.DetachStudentPrompt && update == 0) ? _openings : null;
            using var student = _scorer.ContinuationLogProbs(studentPairs, sampledOpening, _options.DetachStudentPrompt || ReadsQuestionThroughBase);
            var studentLogProbs = WithinGrammar(student.LogProbs, allowedMask);
            if (_options.UpdatesPerBatch > 1 && oldLogProbs is null)
                oldLogProbs = student.TokenLogProbs(studentLogProbs).detach().MoveToOuterDisposeScope();
            var (objective, figures) = DistillationLoss.Compute(studentLogProbs, teacherLogProbs, student.TargetIds, student.Mask, _options, oldLogProbs, multiplicity);
            _optimizer!.ZeroGrad();
            objective.backward();
            gradNorm += _optimizer.ClipGradNorm(_options.MaxGradNorm);
            _optimizer.Step();
            if (_options.Teacher == TeacherKind.Ema) _teacher!.UpdateEma(_student, _options.TeacherRate);
            loss += figures.Loss;
            divergence += figures.MeanDivergence;
            logRatio += figures.MeanTeacherStudentLogRatio;
        }
        oldLogProbs?.Dispose();
        int n = _options.UpdatesPerBatch;
        return new UpdateFigures(loss / n, divergence / n, logRatio / n, gradNorm / n, teacherMs, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>log_softmax((1 + β)·withFeedback − β·withoutFeedback): log-probs are logits up to a per-position
    /// constant, so this is guidance on the logits.</summary>
    private static Tensor Guided(Tensor withFeedback, Tensor withoutFeedback, double guidance)
    {
        using var scope = NewDisposeScope();
        return (withFeedback * (1 + guidance) - withoutFeedback * guidance).log_softmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>The stop-gradient teacher's log-probs [N, L, V] over the attempts' tokens after the teacher contexts.</summary>
    private Tensor TeacherLogProbs(List<ScoringPair> teacherPairs)
    {
        using var noGrad = no_grad();
        switch (_options.Teacher)
        {
            case TeacherKind.Ema:
            {
                using var attachment = _teacher!.Attach(_model.Model);
                using var merged = _teacher.MergeForInference();
                using var scores = _scorer.ContinuationLogProbs(teacherPairs);
                return scores.LogProbs.detach().clone();
            }
            case TeacherKind.Frozen:
            {
                using var scores = _scorer.ContinuationLogProbs(teacherPairs, _baseTeacherOpenings);
                return scores.LogProbs.detach().clone();
            }
            case TeacherKind.TrustRegion:
            {
                using var initial = _scorer.ContinuationLogProbs(teacherPairs, _baseTeacherOpenings);
                using var attachment = _student!.Attach(_model.Model);
                using var current = _scorer.ContinuationLogProbs(teacherPairs);
                // Log-probs are logits up to a per-position constant, so mixing them mixes the logits.
                return initial.LogProbs.lerp(current.LogProbs, _options.TeacherRate).log_softmax(-1);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(_options.Teacher), _options.Teacher, "Unknown teacher.");
        }
    }

    private bool ReadsQuestionThroughBase => _options.BasePrompt && _student is not null;

    private void CreateLearner(long seed)
    {
        var lora = _options.ToLoraOptions();
        // PEFT accepts target names that match nothing as long as one matches; a request naming a module the
        // model lacks is more likely a typo than a wish.
        var present = _model.Model.AdaptableModuleNames;
        var missing = (_options.LoraModules ?? []).Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new AdapterException($"sdpo.loraModules names {string.Join(", ", missing)}, which this model does not have (its linear modules: {string.Join(", ", present)}).");
        _student = LoraAdapter.Create(_model.Model, lora, seed);
        if (_options.Teacher == TeacherKind.Ema) _teacher = _student.Clone();
        _optimizer = CreateOptimizer(_student);
    }

    private AdapterAdamW CreateOptimizer(LoraAdapter student) => new(student, _options.LearningRate, _options.WeightDecay);

    /// <summary>The current student's log-probability of each answer (its tokens and the stop token) after the raw
    /// <paramref name="context"/>: the base model's before the first update, and for the baselines.</summary>
    public Task<IReadOnlyList<double>> StudentLogProbsAsync(string context, IReadOnlyList<string> answers, CancellationToken cancellationToken)
    {
        var prompt = _model.EncodePrompt(context);
        var stop = _model.Tokenizer.StopTokenIds;
        var pairs = answers.Select(answer =>
        {
            var tokens = TeacherAdvantage.AnswerTokens(_model, context, answer, prompt);
            if (stop.Count > 0) tokens.Add(stop[0]);
            return new ScoringPair(prompt, tokens);
        }).ToList();
        return _model.Thread.RunAsync<IReadOnlyList<double>>(() =>
        {
            // Its own copy: scoring under no_grad leaves the student's reading in the cache it reads.
            using var baseOpening = ReadsQuestionThroughBase ? new PromptOpeningCache() : null;
            if (baseOpening is not null) _scorer.KeepOpening(prompt, baseOpening);
            using var attachment = _student?.Attach(_model.Model);
            using var merged = _student?.MergeForInference();
            return _scorer.Score(pairs, openings: baseOpening).Select(score => score.TotalLogProb).ToList();
        }, cancellationToken);
    }

    /// <summary>Saves student and AdamW state, and an EMA teacher (a frozen or trust-region teacher is the base model,
    /// which never changes: nothing of it is saved).</summary>
    public Task SaveAsync(string directory, CancellationToken cancellationToken) =>
        _model.Thread.RunAsync(() =>
        {
            Directory.CreateDirectory(directory);
            if (_student is null) return;
            new AdapterTrainingState(_student, _teacher, _optimizer!).Save(directory, BaseModelNameOrPath);
        }, cancellationToken);

    /// <summary>Writes the student adapter in PEFT layout (adapter_config.json + adapter_model.safetensors).</summary>
    public Task ExportAdapterAsync(string directory) =>
        _model.Thread.RunAsync(() => { if (_student is not null) PeftAdapterFormat.Save(_student, directory, BaseModelNameOrPath); });

    /// <summary>What an adapter's config names as its base model: the checkpoint folder, which PEFT can load, or the
    /// model's name for one built in memory.</summary>
    private string BaseModelNameOrPath => _model.Folder ?? _model.Name;

    /// <summary>Replaces the learned state with one saved by <see cref="SaveAsync"/>.</summary>
    public Task LoadAsync(string directory, CancellationToken cancellationToken) =>
        _model.Thread.RunAsync(() =>
        {
            if (_student is null) return;
            _openings.Clear();
            var saved = AdapterTrainingState.Load(directory, _model.Model, CreateOptimizer);
            if (_options.Teacher == TeacherKind.Ema && saved.Teacher is null)
            {
                saved.Dispose();
                throw new AdapterException($"Training state {directory} has no teacher, which an EMA teacher needs.");
            }
            _optimizer!.Dispose();
            _teacher?.Dispose();
            _student.Dispose();
            _student = saved.Student;
            _optimizer = saved.Optimizer;
            if (_options.Teacher == TeacherKind.Ema) _teacher = saved.Teacher;
            else saved.Teacher?.Dispose();
        }, cancellationToken);

    public void Dispose()
    {
        var student = _student;
        var teacher = _teacher;
        var optimizer = _optimizer;
        _student = _teacher = null;
        _optimizer = null;
        _openings.Dispose(); // tensors outside any dispose scope: freeing them needs no device thread
        _baseTeacherOpenings.Dispose();
        if (student is null) return;
        _model.Thread.RunAsync(() =>
        {
            optimizer?.Dispose();
            teacher?.Dispose();
            student.Dispose();
        }).GetAwaiter().GetResult();
    }
}
