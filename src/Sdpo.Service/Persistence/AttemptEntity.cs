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
    public DateTimeOffset CreatedAt { get; set; }
}
