using Sdpo.Engine.Discovery;

namespace Sdpo.Cli.Benchmarks;

/// <summary>What one discovery run did and where its time went, summed from its events.</summary>
public sealed class DiscoveryRunFigures
{
    public int Attempts { get; private set; }
    public long Tokens { get; private set; }
    public int Steps { get; private set; }
    public int Passed { get; private set; }
    public double SamplingMs { get; private set; }
    public double VerifyingMs { get; private set; }
    public double TeacherMs { get; private set; }
    public double UpdateMs { get; private set; }
    public double WallMs { get; set; }
    public string? Failure { get; private set; }

    public double WallMsPerAttempt => WallMs / Math.Max(1, Attempts);

    /// <summary>Wall time the step timings do not cover: prompt building, events, policy creation.</summary>
    public double OtherMs => WallMs - SamplingMs - VerifyingMs - TeacherMs - UpdateMs;

    public void Add(DiscoveryEvent e)
    {
        switch (e)
        {
            case AttemptEvaluated attempt:
                Attempts++;
                Tokens += attempt.TokenCount;
                if (attempt.Verdict.Passed) Passed++;
                break;
            case StepCompleted step:
                Steps++;
                SamplingMs += step.Timings.SamplingMs;
                VerifyingMs += step.Timings.VerifyingMs;
                TeacherMs += step.Timings.TeacherMs;
                UpdateMs += step.Timings.UpdateMs;
                break;
            case Failed failed:
                Failure = failed.Reason;
                break;
        }
    }
}
