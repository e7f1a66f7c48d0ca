using System.Text.Json.Serialization;
using Sdpo.Engine.Lora;

namespace Sdpo.Engine.Discovery;

public enum TeacherKind
{
    /// <summary>The base model with an exponential moving average of the student's adapter (default).</summary>
    Ema,
    /// <summary>The base model itself, never updated.</summary>
    Frozen,
    /// <summary>Teacher logits = lerp(initial-teacher logits, student logits, rate).</summary>
    TrustRegion,
}

public enum DivergenceKind
{
    /// <summary>KL(student ‖ teacher), the paper's default.</summary>
    ReverseKl,
    /// <summary>KL(teacher ‖ student).</summary>
    ForwardKl,
    /// <summary>Generalised Jensen–Shannon with mixture weight <see cref="SdpoOptions.JsdAlpha"/>.</summary>
    JensenShannon,
}

/// <summary>SDPO's knobs. Defaults follow the paper and its reference implementation except the learning
/// rate, which is for a LoRA adapter rather than full fine-tuning, and the updates per batch: both the best of
/// sweeps on the embedded models' hard puzzles (docs/results.md).</summary>
public sealed record SdpoOptions
{
    public double LearningRate { get; init; } = 3e-3;
    public int LoraRank { get; init; } = 8;
    public double LoraAlpha { get; init; } = 16;
    public TeacherKind Teacher { get; init; } = TeacherKind.Ema;
    /// <summary>EMA rate r: θ_T ← (1 − r)·θ_T + r·θ_S after every optimizer step (also the trust-region mix).</summary>
    public double TeacherRate { get; init; } = 0.01;
    public DivergenceKind Divergence { get; init; } = DivergenceKind.ReverseKl;
    public double JsdAlpha { get; init; } = 0.5;
    /// <summary>Student top-K tokens kept per position; the rest is one tail bucket.</summary>
    public int TopK { get; init; } = 20;
    /// <summary>Clip of the per-token teacher−student log-ratio; null disables it.</summary>
    public double? LogRatioClip { get; init; } = 5.0;
    /// <summary>Optimizer steps per sampled batch; above 1 tokens are importance-weighted (capped). Two found more
    /// than one on two of three models' hard puzzles and one fewer on the third (docs/results.md), for one more
    /// student pass and backward per step (the teacher pass is shared).</summary>
    public int UpdatesPerBatch { get; init; } = 2;
    public double ImportanceWeightCap { get; init; } = 2.0;
    public double WeightDecay { get; init; } = 0.01;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Cap on the teacher context (reprompt) in tokens; feedback is truncated first.</summary>
    public int MaxTeacherContextTokens { get; init; } = 1024;
    /// <summary>At most this many distinct failed attempts are distilled per step, the most frequent first
    /// (each with all its copies); null distills every one, as the paper does. Fewer cost less per step (the
    /// teacher and student passes shrink with them) and carry less signal.</summary>
    public int? MaxDistilledAttempts { get; init; }
    /// <summary>With constrained sampling (<see cref="AttemptSampling.Constrained"/>): compare student and teacher
    /// only over the tokens the answer grammar allows at each position, both renormalised there, so the update
    /// moves only choices the sampler can make. Without constrained sampling it changes nothing. Left out of the
    /// wire form when off, so older fingerprints stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DistillWithinGrammar { get; init; }
    /// <summary>Guidance β on the teacher: distil log_softmax((1 + β)·log π_T(·|reprompt) − β·log π_T(·|prompt)), the
    /// same teacher weights with and without the feedback, which extrapolates what the feedback changes (as
    /// classifier-free guidance does). 0, the paper's teacher, is the default; above 0 costs one more no-grad
    /// pass over the student contexts. Left out of the wire form when 0, so older fingerprints stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double TeacherGuidance { get; init; }
    /// <summary>Learn from the first this-many steps only, then keep sampling the adapted student without updates;
    /// null learns at every step, as the paper does. Cheaper per attempt (a later update costs several attempts'
    /// worth of sampling), but on the embedded model's hard puzzles it found fewer answers than learning at every
    /// step (docs/results.md). Left out of the wire form when null, so older fingerprints stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int? LearningSteps { get; init; }
    /// <summary>Sample as the self-teacher method does: each chain (<see cref="DiscoveryBudget.Chains"/>) draws its
    /// attempts from the teacher context of its latest feedback, with the current student, while the updates distil
    /// into the student without feedback as usual. Off (the paper's SDPO samples the student on the plain question).
    /// Left out of the wire form when off, so older fingerprints stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SampleWithFeedback { get; init; }
    /// <summary>Run the student's pass over its context (the question) without gradient in each update, so the loss
    /// differentiates only through the attempt's positions: the backward pass shrinks (the question's forward pass
    /// still runs), but it is not the full gradient (what the adapter does to the question's keys and values is left
    /// out). Off (the paper's). Left out of the wire form when off, so older fingerprints stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DetachStudentPrompt { get; init; }
    /// <summary>The student reads the question through the base model: its keys and values, all but the last token's,
    /// are the base model's for the whole run, and the adapter acts from the question's last token on, in sampling and
    /// in the updates alike (which then differentiate only through those positions, as with
    /// <see cref="DetachStudentPrompt"/>). Each step then samples without running the question again and updates
    /// without it, and the policy that samples is the one that learns. Not the paper's (its student adapts the
    /// question's keys and values too); off by default. Left out of the wire form when off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool BasePrompt { get; init; }
    /// <summary>The decoder layers the student's adapter covers (PEFT's layers_to_transform, indices from 0); null, the
    /// default, adapts every layer. Adapting only the top layers leaves the backward pass short (it stops below the
    /// lowest adapted layer) and the adapter smaller. Left out of the wire form when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? LoraLayers { get; init; }
    /// <summary>The linear modules the student's adapter covers, by name as in the checkpoint (PEFT's target_modules,
    /// e.g. ["q_proj", "v_proj"]); null, the default, adapts all seven of a decoder layer's projections
    /// (<see cref="LoraOptions.DefaultTargetModules"/>). Fewer modules make the update's passes cheaper and the adapter
    /// smaller. Left out of the wire form when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? LoraModules { get; init; }

    /// <summary>The student's adapter shape these options ask for.</summary>
    public LoraOptions ToLoraOptions() => new()
    {
        Rank = LoraRank, Alpha = LoraAlpha, LayersToTransform = LoraLayers,
        TargetModules = LoraModules ?? LoraOptions.DefaultTargetModules,
    };

    /// <summary>Upper bounds on the real-valued options. They sit far above any useful value; each keeps its option a
    /// finite number on the device (LibTorch fails natively on values a float cannot hold, or on a negative decay).</summary>
    public const double LoraAlphaLimit = 1024, LogRatioClipLimit = 100, ImportanceWeightCapLimit = 100, MaxGradNormLimit = 1e6;

    /// <summary>Bounds of the integer options and of the teacher's guidance; the OpenAPI document states the same.</summary>
    public const int MaxLoraRank = 256, MaxUpdatesPerBatch = 16, MinTeacherContextTokens = 16;
    public const double TeacherGuidanceLimit = 10;

    public void Validate()
    {
        if (!(LearningRate > 0) || LearningRate > 1) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "sdpo.learningRate must be in (0, 1].");
        if (LoraRank < 1 || LoraRank > MaxLoraRank) throw new ArgumentOutOfRangeException(nameof(LoraRank), LoraRank, $"sdpo.loraRank must be between 1 and {MaxLoraRank}.");
        if (!(LoraAlpha > 0) || LoraAlpha > LoraAlphaLimit) throw new ArgumentOutOfRangeException(nameof(LoraAlpha), LoraAlpha, $"sdpo.loraAlpha must be in (0, {LoraAlphaLimit}].");
        if (!(TeacherRate >= 0) || TeacherRate > 1) throw new ArgumentOutOfRangeException(nameof(TeacherRate), TeacherRate, "sdpo.teacherRate must be in [0, 1].");
        if (!(JsdAlpha > 0) || !(JsdAlpha < 1)) throw new ArgumentOutOfRangeException(nameof(JsdAlpha), JsdAlpha, "sdpo.jsdAlpha must be in (0, 1).");
        if (TopK < 1) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "sdpo.topK must be at least 1.");
        if (LogRatioClip is { } clip && (!(clip > 0) || clip > LogRatioClipLimit))
            throw new ArgumentOutOfRangeException(nameof(LogRatioClip), clip, $"sdpo.logRatioClip must be in (0, {LogRatioClipLimit}] (or null for no clip).");
        if (UpdatesPerBatch < 1 || UpdatesPerBatch > MaxUpdatesPerBatch) throw new ArgumentOutOfRangeException(nameof(UpdatesPerBatch), UpdatesPerBatch, $"sdpo.updatesPerBatch must be between 1 and {MaxUpdatesPerBatch}.");
        if (!(ImportanceWeightCap >= 1) || ImportanceWeightCap > ImportanceWeightCapLimit)
            throw new ArgumentOutOfRangeException(nameof(ImportanceWeightCap), ImportanceWeightCap, $"sdpo.importanceWeightCap must be in [1, {ImportanceWeightCapLimit}].");
        // AdamW's decoupled decay multiplies the weights by 1 − learningRate·weightDecay each step: in [0, 1] it only shrinks them.
        if (!(WeightDecay >= 0) || WeightDecay > 1) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "sdpo.weightDecay must be in [0, 1].");
        if (!(MaxGradNorm > 0) || MaxGradNorm > MaxGradNormLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), MaxGradNorm, $"sdpo.maxGradNorm must be in (0, {MaxGradNormLimit}].");
        if (MaxDistilledAttempts is < 1) throw new ArgumentOutOfRangeException(nameof(MaxDistilledAttempts), MaxDistilledAttempts, "sdpo.maxDistilledAttempts must be at least 1 (or null for all).");
        if (!(TeacherGuidance >= 0) || TeacherGuidance > TeacherGuidanceLimit) throw new ArgumentOutOfRangeException(nameof(TeacherGuidance), TeacherGuidance, $"sdpo.teacherGuidance must be in [0, {TeacherGuidanceLimit}].");
        if (LearningSteps is < 1) throw new ArgumentOutOfRangeException(nameof(LearningSteps), LearningSteps, "sdpo.learningSteps must be at least 1 (or null for every step).");
        if (LoraLayers is { } layers)
        {
            // The adapter's own rules for PEFT's layers_to_transform, reported under this option's name.
            try { new LoraOptions { LayersToTransform = layers }.Validate(); }
            catch (AdapterException e) { throw new ArgumentOutOfRangeException(nameof(LoraLayers), $"[{string.Join(", ", layers)}]", $"sdpo.loraLayers: {e.Message}"); }
        }
        if (LoraModules is { } modules)
        {
            if (modules.Distinct(StringComparer.Ordinal).Count() != modules.Count)
                throw new ArgumentOutOfRangeException(nameof(LoraModules), $"[{string.Join(", ", modules)}]", "sdpo.loraModules names a module twice.");
            try { new LoraOptions { TargetModules = modules }.Validate(); }
            catch (AdapterException e) { throw new ArgumentOutOfRangeException(nameof(LoraModules), $"[{string.Join(", ", modules)}]", $"sdpo.loraModules: {e.Message}"); }
        }
        if (BasePrompt && SampleWithFeedback)
            throw new ArgumentOutOfRangeException(nameof(BasePrompt), BasePrompt, "sdpo.basePrompt keeps the plain question's opening for sampling, and sdpo.sampleWithFeedback samples other contexts: choose one.");
        if (MaxTeacherContextTokens < MinTeacherContextTokens) throw new ArgumentOutOfRangeException(nameof(MaxTeacherContextTokens), MaxTeacherContextTokens, $"sdpo.maxTeacherContextTokens must be at least {MinTeacherContextTokens}.");
    }
}
