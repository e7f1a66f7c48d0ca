using Sdpo.Contracts;

namespace Sdpo.Service.Api;

/// <summary>
/// The teacher advantage over every case: SDPO can only move the model toward what the feedback says where the model
/// with feedback in context knows better than without (issue 8's gate: at least +1 nat on average, positive in most
/// cases).
/// </summary>
/// <param name="Model">the model measured</param>
/// <param name="Constrained">whether both sides were renormalised over the verifier's grammar</param>
/// <param name="MeanNats">mean of the cases' advantages</param>
/// <param name="PositiveShare">share of cases whose advantage is above zero</param>
/// <param name="Cases">each case's figures, in the request's order</param>
public sealed record TeacherAdvantageReport(string Model, bool Constrained, double MeanNats, double PositiveShare, IReadOnlyList<TeacherAdvantageResult> Cases)
{
    /// <summary>The embedded model on TeacherAdvantageRequest's example.</summary>
    public static TeacherAdvantageReport Example => new("arithmetic", false, 2.32, 1.0,
    [
        new TeacherAdvantageResult(2.32, 0.26, -7.17, -4.85, 9, "12+9*5-1", "9*5 = 45; 45+12 = 57; 57 is 1 more than the target 56. Numbers: 1 not used.", VerdictStatus.Wrong),
    ]);
}

/// <summary>One case: Σ_t log π(answer_t | teacher context, answer&lt;t) − log π(answer_t | prompt, answer&lt;t), the stop token
/// after the answer included.</summary>
/// <param name="Nats">teacherLogProb − studentLogProb; positive means the feedback helps</param>
/// <param name="NatsPerToken">nats over tokens</param>
/// <param name="StudentLogProb">log-probability of the answer after the question alone</param>
/// <param name="TeacherLogProb">log-probability of the answer after the teacher's context with the feedback</param>
/// <param name="Tokens">the answer's tokens and its stop token</param>
/// <param name="Answer">the answer scored: the case's, or the passing answer nearest to its attempt</param>
/// <param name="Feedback">what went into the teacher's context</param>
/// <param name="AttemptStatus">the verifier's status for the case's attempt (wrong, error, invalid, ...); null when the case gave feedback</param>
public sealed record TeacherAdvantageResult(double Nats, double NatsPerToken, double StudentLogProb, double TeacherLogProb, int Tokens,
    string Answer, string Feedback, VerdictStatus? AttemptStatus);
