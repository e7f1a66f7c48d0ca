namespace Sdpo.Service.Persistence;

/// <summary>One sampled and verified attempt; unique by run, method and index (resumes upsert).</summary>
public sealed class AttemptEntity
{
    public Guid RunId { get; set; }
    public string Method { get; set; } = "";
    public int Index { get; set; }
    public int Step { get; set; }
    public string Text { get; set; } = "";
    public int TokenCount { get; set; }
    public string VerdictStatus { get; set; } = "";
    public bool Passed { get; set; }
    public string Feedback { get; set; } = "";
    public double SamplingMs { get; set; }
    public double VerifyingMs { get; set; }
    /// <summary>The verdict repeats an earlier copy's, without a verifier call (false on rows saved before it was stored).</summary>
    public bool VerdictReused { get; set; }
    /// <summary>The attempt's code ran in the sandbox (false on rows saved before it was stored).</summary>
    public bool Sandboxed { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
