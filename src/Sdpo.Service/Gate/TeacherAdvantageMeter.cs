using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Engine;
using Sdpo.Service.Api;

namespace Sdpo.Service.Gate;

/// <summary>
/// Measures a model's teacher advantage case by case: checks that each case's answer passes its verifier, takes the
/// feedback of its failed attempt from the verifier (or the feedback given), and scores the answer with and without
/// that feedback in SDPO's teacher context. A case that cannot be measured (the answer fails, the attempt passes or
/// has no feedback, the context does not fit) is a <see cref="RequestFieldException"/> naming it.
/// </summary>
public sealed class TeacherAdvantageMeter
{
    public async Task<TeacherAdvantageReport> MeasureAsync(TeacherAdvantageSubmission submission, CancellationToken cancellationToken)
    {
        // Every case is verified before any is scored, so a request that will be refused costs no device time.
        var feedbacks = new List<(string Feedback, VerdictStatus? Status)>(submission.Cases.Count);
        foreach (var spec in submission.Cases) feedbacks.Add(await FeedbackOfAsync(spec, cancellationToken));
        var results = new List<TeacherAdvantageResult>(submission.Cases.Count);
        foreach (var (spec, (feedback, status)) in submission.Cases.Zip(feedbacks))
        {
            var grammar = submission.Constrained ? ((IGrammarVerifier)spec.Problem.Verifier).AnswerGrammar : null;
            Engine.Sdpo.TeacherAdvantage advantage;
            try
            {
                advantage = await submission.Engine.MeasureTeacherAdvantageAsync(spec.Problem.Problem.Prompt, feedback, spec.Answer, grammar, cancellationToken);
            }
            catch (EngineException ex)
            {
                throw new RequestFieldException(spec.Field, $"{spec.Field}: {ex.Message}");
            }
            if (!double.IsFinite(advantage.Nats))
                throw new RequestFieldException($"{spec.Field}.answer",
                    $"{spec.Field}.answer cannot be scored{(grammar is null ? "" : " within the verifier's grammar (constrained)")}: the model gives it probability zero.");
            results.Add(new TeacherAdvantageResult(advantage.Nats, advantage.Nats / Math.Max(1, advantage.Tokens), advantage.StudentLogProb,
                advantage.TeacherLogProb, advantage.Tokens, feedback, status));
        }
        return new TeacherAdvantageReport(submission.Model.Name, submission.Constrained, results.Average(r => r.Nats),
            results.Count(r => r.Nats > 0) / (double)results.Count, results);
    }

    /// <summary>The feedback for the teacher's context and, for an attempt, its verdict's status; checks the answer on the way.</summary>
    private static async Task<(string Feedback, VerdictStatus? Status)> FeedbackOfAsync(TeacherAdvantageCaseSpec spec, CancellationToken cancellationToken)
    {
        var answer = await VerifyAsync(spec, spec.Answer, cancellationToken);
        if (!answer.Passed)
            throw new RequestFieldException($"{spec.Field}.answer",
                $"{spec.Field}.answer does not pass the problem's verifier ({Wire(answer.Status)}): {answer.Feedback}".TrimEnd(' ', ':'));
        if (spec.Attempt is not { } attempt) return (spec.Feedback!, null);

        var verdict = await VerifyAsync(spec, attempt, cancellationToken);
        if (verdict.Passed)
            throw new RequestFieldException($"{spec.Field}.attempt", $"{spec.Field}.attempt passes the problem's verifier; the teacher's context needs a failure's feedback.");
        if (string.IsNullOrWhiteSpace(verdict.Feedback))
            throw new RequestFieldException($"{spec.Field}.attempt",
                $"The verifier gave no feedback on {spec.Field}.attempt ({Wire(verdict.Status)}), so the teacher's context would hold nothing more than the question.");
        return (verdict.Feedback, verdict.Status);
    }

    private static string Wire(VerdictStatus status) => JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());

    private static async Task<Verdict> VerifyAsync(TeacherAdvantageCaseSpec spec, string text, CancellationToken cancellationToken)
    {
        try
        {
            return await spec.Problem.Verifier.VerifyAsync(new Attempt(spec.Problem.Problem, text), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Verdict.Fail(VerdictStatus.VerifierError, $"The verifier failed: {e.Message}");
        }
    }
}
