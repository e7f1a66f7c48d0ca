using System.Text.Json.Serialization;
using Sdpo.Contracts;

namespace Sdpo.Engine.Discovery;

/// <summary>Something that happened in a run, in order. The service persists and streams these as they come.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AttemptEvaluated), "attempt")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(Discovered), "discovered")]
[JsonDerivedType(typeof(Exhausted), "exhausted")]
[JsonDerivedType(typeof(Cancelled), "cancelled")]
[JsonDerivedType(typeof(Failed), "failed")]
public abstract record DiscoveryEvent
{
    // System.Text.Json reads the attributes of an override, not of what it overrides: each override repeats [JsonIgnore].
    /// <summary>True for the event that ends a run (discovered, exhausted, cancelled, failed).</summary>
    [JsonIgnore] public virtual bool IsFinal => false;

    /// <summary>The SSE event name.</summary>
    [JsonIgnore] public abstract string Name { get; }
}

/// <summary>Where the time of one attempt went, in milliseconds.</summary>
public sealed record AttemptTimings(double SamplingMs, double VerifyingMs);

/// <summary>One attempt, sampled and verified. <see cref="Index"/> counts from 0 across the run. <see cref="VerdictReused"/>:
/// the same text was verified earlier in the run and its verdict is repeated without calling the verifier (see
/// <see cref="DiscoveryRequest.ReuseVerdicts"/>); written only when true.</summary>
public sealed record AttemptEvaluated(int Index, int Step, string Text, int TokenCount, Verdict Verdict, AttemptTimings Timings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool VerdictReused = false) : DiscoveryEvent
{
    [JsonIgnore] public override string Name => "attempt";
}

/// <summary>Where the time of one step went, in milliseconds.</summary>
public sealed record StepTimings(double SamplingMs, double VerifyingMs, double TeacherMs, double UpdateMs);

/// <summary>One step done: G attempts sampled and, for SDPO, one or more adapter updates made.
/// Loss figures are null for methods that do not learn or when no attempt carried feedback. <see cref="Redrawn"/>: samples
/// drawn again because their answer was known to fail or repeated another (<see cref="AttemptSampling.DistinctAttempts"/>);
/// they are not attempts, and are written only when there were some.</summary>
public sealed record StepCompleted(
    int Step,
    int AttemptsSoFar,
    double? Loss,
    double? MeanDivergence,
    double? MeanTeacherStudentLogRatio,
    double? GradNorm,
    int TrainedAttempts,
    StepTimings Timings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Redrawn = 0) : DiscoveryEvent
{
    [JsonIgnore] public override string Name => "step";
}

public sealed record Discovered(int AttemptIndex, string Text) : DiscoveryEvent
{
    [JsonIgnore] public override bool IsFinal => true;
    [JsonIgnore] public override string Name => "discovered";
}

public sealed record Exhausted(int Attempts) : DiscoveryEvent
{
    [JsonIgnore] public override bool IsFinal => true;
    [JsonIgnore] public override string Name => "exhausted";
}

public sealed record Cancelled(int Attempts) : DiscoveryEvent
{
    [JsonIgnore] public override bool IsFinal => true;
    [JsonIgnore] public override string Name => "cancelled";
}

public sealed record Failed(string Reason) : DiscoveryEvent
{
    [JsonIgnore] public override bool IsFinal => true;
    [JsonIgnore] public override string Name => "failed";
}
