using System.Text.Json;

namespace Sdpo.Service.Api;

/// <summary>Cases to measure the model's teacher advantage on: does it know a correct answer better with a failure's
/// feedback in SDPO's teacher context than from the question alone?</summary>
public sealed record TeacherAdvantageRequest
{
    /// <summary>A configured model's name; the default model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Renormalise both sides over the answers the verifier's grammar allows (arithmetic has one), as constrained
    /// sampling and SDPO's distillWithinGrammar see them.</summary>
    public bool Constrained { get; init; }

    public IReadOnlyList<TeacherAdvantageCase>? Cases { get; init; }

    public static TeacherAdvantageRequest Example => new()
    {
        Cases =
        [
            new TeacherAdvantageCase
            {
                Problem = JsonSerializer.SerializeToElement(new { kind = "arithmetic", numbers = new[] { 12, 9, 1, 5 }, target = 56 }),
                Answer = "12+9*5-1",
                Attempt = "9*5+12",
            },
            new TeacherAdvantageCase
            {
                Problem = JsonSerializer.SerializeToElement(new { kind = "arithmetic", numbers = new[] { 12, 9, 1, 5 }, target = 56 }),
                Attempt = "12*5-9+1",
            },
        ],
    };
}

/// <summary>One problem, a correct answer, and the failure whose feedback goes into the teacher's context: a failed
/// attempt (verified here for its feedback) or the feedback itself.</summary>
public sealed record TeacherAdvantageCase
{
    /// <summary>As POST /solve takes it.</summary>
    public JsonElement? Problem { get; init; }

    /// <summary>An answer the problem's verifier passes; the one scored. Left out where the verifier can solve the problem
    /// itself (arithmetic) and the case has an attempt: the passing answer nearest to the attempt, as issue 8's gate
    /// measures.</summary>
    public string? Answer { get; init; }

    /// <summary>A failed attempt: the verifier's feedback on it goes into the teacher's context (the attempt itself does not,
    /// as in SDPO). Give this or feedback.</summary>
    public string? Attempt { get; init; }

    /// <summary>Feedback text to put in the teacher's context instead of an attempt's.</summary>
    public string? Feedback { get; init; }
}
