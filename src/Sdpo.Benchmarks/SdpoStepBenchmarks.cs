using BenchmarkDotNet.Attributes;
using Sdpo.Contracts;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Lora;
using Sdpo.Engine.Models;
using Sdpo.Engine.Scoring;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tokenization;
using Sdpo.Engine.Tokenization.Prompting;
using Sdpo.Cli.Benchmarks;
using static TorchSharp.torch;

namespace Sdpo.Benchmarks;

/// <summary>
/// The pieces of one SDPO step with the embedded model's recommended options (forward KL, frozen teacher, one update on
/// one distilled failure), G = 8 attempts of up to 64 tokens, on the problem <c>sdpo bench-discovery</c> runs (numbers
/// 1 1 1, target 997: never solved, always given feedback). <c>bench-discovery</c> times whole runs; this says which
/// piece an SDPO attempt's time above best-of-k's goes to. Everything runs on the benchmark's one thread, with one
/// LibTorch thread.
/// </summary>
public class SdpoStepBenchmarks
{
    private const int AttemptsPerStep = 8;
    private const int MaxNewTokens = 64;
    private static readonly Problem Problem = UnsolvableArithmeticProblem.Problem;

    // The embedded model's recommendation (its sdpo_defaults.json), on either model, as bench-discovery is run with it.
    private readonly SdpoOptions _options = SdpoDefaults.Load(BenchmarkModels.Folder(BenchmarkModels.Embedded));
    private CausalLM _model = null!;
    private TextGenerator _generator = null!;
    private SequenceScorer _scorer = null!;
    private LoraAdapter _student = null!;
    private AdapterAdamW _optimizer = null!;
    private SamplingOptions _sampling = null!;
    private IReadOnlyList<int> _question = null!;
    private ScoringPair _studentPair = null!;
    private ScoringPair[] _teacherPairs = null!;
    private Tensor _teacherLogProbs = null!;
    private readonly PromptOpeningCache _baseOpening = new();
    private readonly PromptOpeningCache _studentOpening = new();
    private readonly PromptOpeningCache _teacherOpening = new();
    private int _teacherCalls;

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = BenchmarkModels.Embedded;

    public static IEnumerable<string> Models() => BenchmarkModels.Available();

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        var folder = BenchmarkModels.Folder(Model);
        var tokenizer = TokenizerLoader.Load(folder);
        var format = PromptFormat.ForCheckpoint(folder);
        _model = CheckpointLoader.Load(folder);
        _model.eval();
        _generator = new TextGenerator(_model, tokenizer);
        _scorer = new SequenceScorer(_model);
        _student = LoraAdapter.Create(_model, _options.ToLoraOptions(), seed: 1);
        _optimizer = new AdapterAdamW(_student, _options.LearningRate, _options.WeightDecay);
        _question = format.Encode(tokenizer, Problem.Prompt);
        _sampling = new SamplingOptions { MaxNewTokens = MaxNewTokens, StopTokenIds = tokenizer.StopTokenIds, Seed = 1 };

        // Two failed attempts and their real feedback: the teacher's pass alternates between their contexts, so it
        // reuses the opening they share (the question, the feedback header) as a run's consecutive steps do.
        var attempts = _generator.Generate([_question, _question], _sampling);
        var verifier = UnsolvableArithmeticProblem.Verifier;
        var continuations = attempts.Select(a => (IReadOnlyList<int>)(a.StopTokenId is { } stop ? [.. a.TokenIds, stop] : a.TokenIds)).ToArray();
        _teacherPairs = attempts.Select((attempt, i) =>
        {
            var verdict = verifier.VerifyAsync(new Attempt(Problem, attempt.Text ?? "")).GetAwaiter().GetResult();
            return new ScoringPair(format.Encode(tokenizer, TeacherPrompt.Build(Problem.Prompt, verdict.Feedback)), continuations[i]);
        }).ToArray();
        _studentPair = new ScoringPair(_question, continuations[0]);
        using var noGrad = no_grad();
        using var teacher = _scorer.ContinuationLogProbs([_teacherPairs[0]]);
        _teacherLogProbs = teacher.LogProbs.detach().clone();
        _scorer.KeepOpening(_question, _baseOpening);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _teacherLogProbs.Dispose();
        _baseOpening.Dispose();
        _studentOpening.Dispose();
        _teacherOpening.Dispose();
        _optimizer.Dispose();
        _student.Dispose();
        _model.Dispose();
    }

    /// <summary>best-of-k's step: G rows from the base model, the question's keys and values kept from earlier steps.</summary>
    [Benchmark(Baseline = true)]
    public int SampleBaseModel()
    {
        using var scope = NewDisposeScope();
        return _generator.Generate(Enumerable.Repeat(_question, AttemptsPerStep).ToList(), _sampling, _baseOpening).Sum(s => s.TokenIds.Count);
    }

    /// <summary>SDPO's sampling: the adapter merged, and the question run again (an update changed the weights).</summary>
    [Benchmark]
    public int SampleStudent()
    {
        using var scope = NewDisposeScope();
        _studentOpening.Clear();
        using var attachment = _student.Attach(_model);
        using var merged = _student.MergeForInference();
        return _generator.Generate(Enumerable.Repeat(_question, AttemptsPerStep).ToList(), _sampling, _studentOpening).Sum(s => s.TokenIds.Count);
    }

    /// <summary>The merge alone: W + scaling·B·A for every adapted layer, and giving the copies back.</summary>
    [Benchmark]
    public void MergeAdapter()
    {
        using var attachment = _student.Attach(_model);
        using var merged = _student.MergeForInference();
    }

    /// <summary>The frozen teacher's pass over one distilled failure, its context's opening kept from the previous step.</summary>
    [Benchmark]
    public void TeacherPass()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var scores = _scorer.ContinuationLogProbs([_teacherPairs[_teacherCalls++ % 2]], _teacherOpening);
    }

    /// <summary>The student's forward pass with autograd over the question and the attempt, up to its log-probs.</summary>
    [Benchmark]
    public void StudentForward()
    {
        using var scope = NewDisposeScope();
        using var attachment = _student.Attach(_model);
        using var student = _scorer.ContinuationLogProbs([_studentPair]);
    }

    /// <summary>The whole update: the forward pass, the loss, backward, clipping and the AdamW step.</summary>
    [Benchmark]
    public double Update()
    {
        using var scope = NewDisposeScope();
        using var attachment = _student.Attach(_model);
        using var student = _scorer.ContinuationLogProbs([_studentPair]);
        var (loss, _) = DistillationLoss.Compute(student.LogProbs, _teacherLogProbs, student.TargetIds, student.Mask, _options);
        _optimizer.ZeroGrad();
        loss.backward();
        var norm = _optimizer.ClipGradNorm(_options.MaxGradNorm);
        _optimizer.Step();
        return norm;
    }
}
