namespace Sdpo.Engine.Metrics;

/// <summary>
/// Estimates a problem's base-model pass@k from <see cref="Samples"/> i.i.d. attempts drawn with best-of-k runs,
/// which stop at their first pass. Best-of-k attempts are i.i.d. draws from the base model (no learning, same
/// prompt), and a run's stop at its first pass is a stopping time, so cutting each run at its first pass and
/// continuing with a fresh run (a new seed) for the attempts still owed yields exactly n i.i.d. attempts; the
/// passes among them are the runs that ended in a discovery. This needs no engine support beyond ordinary
/// best-of-k runs: c + 1 runs at most for c passes, so a hard problem (the ones selection keeps) costs one or two.
/// </summary>
public sealed class PassRateSampling
{
    /// <summary>Seeds of the sampling runs start here, far from the benchmark's own run seeds (1, 2, …).</summary>
    public const long FirstSegmentSeed = 1_000_000;

    public PassRateSampling(int samples, int k)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 1.");
        if (k < 1 || k > samples) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and samples ({samples}).");
        Samples = samples;
        K = k;
    }

    /// <summary>n: attempts to draw in all.</summary>
    public int Samples { get; }

    public int K { get; }

    /// <summary>Attempts drawn so far (each run's attempts up to and including its first pass).</summary>
    public int Drawn { get; private set; }

    /// <summary>c: passing attempts so far.</summary>
    public int Passes { get; private set; }

    /// <summary>Runs (segments) recorded so far.</summary>
    public int Segments { get; private set; }

    public bool IsComplete => Drawn >= Samples;

    /// <summary>The budget of the next best-of-k run: the attempts still owed.</summary>
    public int NextSegmentBudget => Samples - Drawn;

    /// <summary>The seed of the next run; every segment of a problem has its own.</summary>
    public long NextSegmentSeed => SegmentSeed(Segments);

    public static long SegmentSeed(int segment) => FirstSegmentSeed + segment;

    /// <summary>Records a finished best-of-k run that made <paramref name="attempts"/> attempts, the last passing when
    /// <paramref name="passed"/>. Throws when it made more attempts than owed or a pass run had none.</summary>
    public void Record(int attempts, bool passed)
    {
        if (IsComplete) throw new InvalidOperationException($"All {Samples} samples are already drawn.");
        if (attempts < (passed ? 1 : 0) || attempts > NextSegmentBudget)
            throw new ArgumentOutOfRangeException(nameof(attempts), attempts, $"A segment may make between {(passed ? 1 : 0)} and {NextSegmentBudget} attempts.");
        if (!passed && attempts < NextSegmentBudget)
            throw new ArgumentException($"A segment without a pass must spend its whole budget ({NextSegmentBudget}), not {attempts}.", nameof(attempts));
        Drawn += attempts;
        if (passed) Passes++;
        Segments++;
    }

    /// <summary>The unbiased pass@k estimate from the n samples and c passes (<see cref="PassAtK.Estimate"/>).</summary>
    public double PassAtKEstimate =>
        IsComplete ? PassAtK.Estimate(Samples, Passes, K) : throw new InvalidOperationException($"Only {Drawn} of {Samples} samples are drawn.");
}
