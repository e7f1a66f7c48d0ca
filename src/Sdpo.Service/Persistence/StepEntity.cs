namespace Sdpo.Service.Persistence;

/// <summary>One step of a method: its training figures (null when nothing was learned) and where its time went.</summary>
public sealed class StepEntity
{
    public Guid RunId { get; set; }
    public string Method { get; set; } = "";
    public int Step { get; set; }
    public int AttemptsSoFar { get; set; }
    public double? Loss { get; set; }
    public double? MeanDivergence { get; set; }
    public double? MeanTeacherStudentLogRatio { get; set; }
    public double? GradNorm { get; set; }
    public int TrainedAttempts { get; set; }
    public double SamplingMs { get; set; }
    public double VerifyingMs { get; set; }
    public double TeacherMs { get; set; }
    public double UpdateMs { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
