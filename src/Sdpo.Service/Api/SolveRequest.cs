using System.Text.Json;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Api;

/// <summary>A problem to search for a passing answer, and how to search.</summary>
public sealed record SolveRequest
{
    /// <summary>Either a built-in kind (<c>{"kind":"arithmetic","numbers":[3,5,7],"target":22}</c>: 3 to 6 numbers from
    /// 1 to 1000) or <c>{"prompt":"...","verifier":{"kind":"regex","pattern":"..."},"id":"..."}</c> with a verifier of kind
    /// exact, regex, numeric, arithmetic, python, p3 or http.</summary>
    public JsonElement? Problem { get; init; }

    /// <summary>sdpo (default), best-of-k, multi-turn (the paper's: every earlier feedback of a chain in its context) or
    /// self-teacher (no learning: each chain's next attempt is sampled from SDPO's teacher context for its previous one).</summary>
    public DiscoveryMethod Method { get; init; } = DiscoveryMethod.Sdpo;

    public DiscoveryBudget? Budget { get; init; }
    /// <summary>temperature (1.0), topP (1.0), maxNewTokens (64), constrained (false): sample only answers in the
    /// verifier's grammar (arithmetic: well-formed, each given number once), and distinctAttempts (false): replace any sample
    /// whose answer already failed in the run or repeats another of its step, from spare rows of the step's draw or up to
    /// three rounds of drawing again, so that attempts go to answers not yet tried (step events count the samples drawn
    /// away as "redrawn"; SDPO still learns from them), and distinctEquivalence (false; with distinctAttempts): also replace a
    /// sample the verifier declares equivalent to a failed answer or another of its step (arithmetic: the same numbers and
    /// value).</summary>
    public AttemptSampling? Sampling { get; init; }
    /// <summary>SDPO's knobs; fields left out take the model's recommended options (GET /models lists them as
    /// sdpoDefaults), which are the paper's defaults except where the model's card says otherwise.</summary>
    public SdpoOptions? Sdpo { get; init; }
    /// <summary>Fixes the run's random numbers: the same problem, method, options and seed give the same attempts. 1 when
    /// left out, as <c>sdpo solve</c> defaults to and a benchmark's first seed is, so that such a run reproduces either.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Verify each distinct answer once per method and give its later copies the same verdict without calling the
    /// verifier again (true, the default; every copy still counts as an attempt, and its event says "verdictReused").
    /// A timeout, memory limit or verifier error is never reused. False calls the verifier for every attempt: for a
    /// verifier whose verdict on the same text can change.</summary>
    public bool ReuseVerdicts { get; init; } = true;

    /// <summary>A configured model's name; the default model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Baselines also run on the same problem, budget and seed, one after the other, after the main method.</summary>
    public IReadOnlyList<DiscoveryMethod>? CompareWith { get; init; }

    public static SolveRequest Example => new()
    {
        Problem = JsonSerializer.SerializeToElement(new { kind = "arithmetic", numbers = new[] { 3, 5, 7 }, target = 22 }),
        Method = DiscoveryMethod.Sdpo,
        Budget = new DiscoveryBudget(MaxAttempts: 64, AttemptsPerStep: 8),
        Sampling = new AttemptSampling(Constrained: true),
        Seed = 1,
        CompareWith = [DiscoveryMethod.BestOfK],
    };
}
