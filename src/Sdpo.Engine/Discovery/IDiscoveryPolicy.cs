namespace Sdpo.Engine.Discovery;

/// <summary>One sampled attempt: its text, its token ids and the sampling policy's log-prob of each token.</summary>
/// <remarks><see cref="StopTokenId"/> is the token that ended it, if any (not part of the text or the token count).</remarks>
public sealed record SampledAttempt(string Text, IReadOnlyList<int> TokenIds, IReadOnlyList<float> TokenLogProbs, int? StopTokenId = null);

/// <summary>A failed attempt paired with the self-teacher's context (the reprompt carrying its feedback).</summary>
public sealed record TrainingAttempt(SampledAttempt Attempt, string StudentContext, string TeacherContext);

/// <summary>What one SDPO update did: mean figures over its optimizer steps, and where the time went.</summary>
public sealed record UpdateFigures(double Loss, double MeanDivergence, double MeanTeacherStudentLogRatio, double GradNorm, double TeacherMs, double UpdateMs);

/// <summary>
/// The model side of one discovery run: samples attempts and, for SDPO, learns from feedback. The loop
/// (<see cref="DiscoveryLoop"/>) owns the order of things, the budget, verification and events; a policy owns
/// tensors, adapters and the device thread. Contexts are raw prompt texts: the policy applies the model's
/// prompt format.
/// </summary>
public interface IDiscoveryPolicy : IDisposable
{
    /// <summary>Tokens a raw context takes once formatted, to fit teacher and multi-turn contexts.</summary>
    int CountContextTokens(string context);

    /// <summary>The model's context in tokens: a formatted context plus its attempt must fit in it.</summary>
    int MaxContextTokens { get; }

    /// <summary>Samples one attempt per context, each ending at maxNewTokens or at the model's context end, whichever
    /// comes first. The same contexts, seed and learned state give the same attempts.</summary>
    Task<IReadOnlyList<SampledAttempt>> SampleAsync(IReadOnlyList<string> contexts, AttemptSampling sampling, long seed, CancellationToken cancellationToken);

    /// <summary>One SDPO update from the failed attempts that carry feedback.</summary>
    Task<UpdateFigures> UpdateAsync(IReadOnlyList<TrainingAttempt> attempts, CancellationToken cancellationToken);

    /// <summary>Saves whatever was learned (adapter, teacher, optimizer) so <see cref="LoadAsync"/> restores it exactly.</summary>
    Task SaveAsync(string directory, CancellationToken cancellationToken);

    Task LoadAsync(string directory, CancellationToken cancellationToken);
}
