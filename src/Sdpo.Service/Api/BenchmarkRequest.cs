using System.Text.Json;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Api;

/// <summary>
/// A benchmark: a problem set, the methods to compare, seeds per problem and one search configuration for
/// every run. Give the problems inline (<c>problems</c>), as a named built-in suite (<c>suite</c>),
/// or upload them as JSONL (multipart part "problems", or an application/x-ndjson body).
/// </summary>
public sealed record BenchmarkRequest
{
    /// <summary>A name for reports and plot titles; defaults to the suite name or "benchmark".</summary>
    public string? Name { get; init; }

    /// <summary>Problem specs, each exactly as POST /solve accepts its "problem".</summary>
    public IReadOnlyList<JsonElement>? Problems { get; init; }

    /// <summary>A built-in suite drawn deterministically by seed, instead of <c>problems</c>.</summary>
    public SuiteRequest? Suite { get; init; }

    /// <summary>Methods to run on every problem and seed; default sdpo and best-of-k. best-of-k is the baseline of the attempts ratio.</summary>
    public IReadOnlyList<DiscoveryMethod>? Methods { get; init; }

    /// <summary>Seeds per problem and method: the runs use seeds 1 … seeds (default 1).</summary>
    public int? Seeds { get; init; }

    /// <summary>Attempts per run (maxAttempts, the k the curves go up to) and attempts per step (G).</summary>
    public DiscoveryBudget? Budget { get; init; }
    public AttemptSampling? Sampling { get; init; }
    /// <summary>SDPO's knobs for every SDPO run; fields left out take the model's recommended options (GET /models).</summary>
    public SdpoOptions? Sdpo { get; init; }

    /// <summary>A configured model's name; the default model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Keep only problems whose estimated base-model pass@k is below a threshold (the paper's hard-problem selection).</summary>
    public HardSelectionRequest? SelectHard { get; init; }

    /// <summary>Once the runs have ended, measure the model's teacher advantage on the benchmark's problems (issue 8's gate,
    /// the check to make before trusting SDPO's figures): up to 8 distinct failures from each problem's first step, each
    /// scored against the passing answer nearest to it where the verifier can solve the problem (arithmetic), else
    /// against the problem's first discovered answer. Reported as the results' teacherAdvantage and streamed as a
    /// teacher-advantage event before completed. Off by default; it costs two no-grad passes per failure.</summary>
    public bool MeasureTeacherAdvantage { get; init; }

    /// <summary>Small, as Swagger UI's "Try it out" sends it as is: 3 problems × 2 methods × 1 seed of at most 16 attempts,
    /// after 8 selection samples a problem (the paper's benchmarks take 30 problems, 3 seeds and 256 attempts).</summary>
    public static BenchmarkRequest Example => new()
    {
        Name = "arithmetic-mid",
        Suite = new SuiteRequest { Name = "arithmetic-mid", Count = 3, Seed = 1 },
        Methods = [DiscoveryMethod.Sdpo, DiscoveryMethod.BestOfK],
        Seeds = 1,
        Budget = new DiscoveryBudget(MaxAttempts: 16, AttemptsPerStep: 8),
        SelectHard = new HardSelectionRequest { Threshold = 0.5, Samples = 8 },
    };
}

/// <summary>A named suite: arithmetic-easy, arithmetic-mid, arithmetic-hard or arithmetic-rare.</summary>
public sealed record SuiteRequest
{
    public string? Name { get; init; }
    public int Count { get; init; } = 30;
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Hard-problem selection: draw <c>samples</c> i.i.d. base-model attempts per candidate (best-of-k runs,
/// restarted after each pass so the samples do not stop at the first one), estimate pass@k with the unbiased
/// estimator, and keep the problems whose estimate is below <c>threshold</c> ("hard" 0.5, "very hard" 0.03).
/// </summary>
public sealed record HardSelectionRequest
{
    public double Threshold { get; init; } = 0.5;
    public int Samples { get; init; } = 64;
    /// <summary>The k of pass@k; defaults to min(64, samples). With k = samples the estimate is 1 when any sample passed, else 0.</summary>
    public int? K { get; init; }
}
