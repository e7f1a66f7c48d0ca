using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Engine;
using Sdpo.Service.Api;

namespace Sdpo.Service.Gate;

/// <summary>
/// Measures a model's teacher advantage case by case: checks that each case's answer (or, where the verifier can solve
/// the problem and none is given, the passing answer nearest to the attempt) passes its verifier, takes the feedback of
/// its failed attempt from the verifier (or the feedback given), and scores the answer with and without that feedback
/// in SDPO's teacher context. A case that cannot be measured (the answer fails, the attempt passes or
/// has no feedback, the context does not fit, constrained: the grammar cannot produce the answer) is a <see cref="RequestFieldException"/> naming it;
/// an engine that fails on a valid case, a <see cref="TeacherAdvantageFailedException"/>.
/// </summary>
public sealed class TeacherAdvantageMeter(ILogger<TeacherAdvantageMeter> logger)
{
    public async Task<TeacherAdvantageReport> MeasureAsync(TeacherAdvantageSubmission submission, CancellationToken cancellationToken)
    {
        // Every case is verified before any is scored, so a request that will be refused costs no device time.
        var prepared = new List<(string Answer, string Feedback, VerdictStatus? Status)>(submission.Cases.Count);
        foreach (var spec in submission.Cases) prepared.Add(await PrepareAsync(spec, cancellationToken));
        var results = new List<TeacherAdvantageResult>(submission.Cases.Count);
        foreach (var (spec, (answer, feedback, status)) in submission.Cases.Zip(prepared))
        {
            var grammar = submission.Constrained ? ((IGrammarVerifier)spec.Problem.Verifier).AnswerGrammar : null;
            Engine.Sdpo.TeacherAdvantage advantage;
            try
            {
                advantage = await submission.Engine.MeasureTeacherAdvantageAsync(spec.Problem.Problem.Prompt, feedback, answer, grammar, cancellationToken);
            }
            catch (AnswerOutsideGrammarException ex)
            {
                throw new RequestFieldException($"{spec.Field}.answer", $"{spec.Field}.answer cannot be scored within the verifier's grammar (constrained): {ex.Message}");
            }
            catch (EngineException ex)
            {
                throw new RequestFieldException(spec.Field, $"{spec.Field}: {ex.Message}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // As a run's engine failure is its failureReason: the first line, where an unhandled one answered a bare 500.
                logger.LogWarning(ex, "The engine failed measuring the teacher advantage of {Case} on model {Model}", spec.Field, submission.Model.Name);
                var firstLine = ex.Message.Trim().Split(['\r', '\n'], 2)[0];
                throw new TeacherAdvantageFailedException($"The engine failed on {spec.Field} with model '{submission.Model.Name}': {firstLine}", ex);
            }
            if (!double.IsFinite(advantage.Nats))
                throw new RequestFieldException($"{spec.Field}.answer",
                    $"{spec.Field}.answer cannot be scored{(grammar is null ? "" : " within the verifier's grammar (constrained)")}: the model gives it probability zero.");
            results.Add(new TeacherAdvantageResult(advantage.Nats, advantage.Nats / Math.Max(1, advantage.Tokens), advantage.StudentLogProb,
                advantage.TeacherLogProb, advantage.Tokens, answer, feedback, status));
        }
        return new TeacherAdvantageReport(submission.Model.Name, submission.Constrained, results.Average(r => r.Nats),
            results.Count(r => r.Nats > 0) / (double)results.Count, results);
    }

    /// <summary>The answer to score (the case's, or the passing answer nearest to its attempt), the feedback for the
    /// teacher's context and, for an attempt, its verdict's status; checks the answer and the attempt on the way.</summary>
    private static async Task<(string Answer, string Feedback, VerdictStatus? Status)> PrepareAsync(TeacherAdvantageCaseSpec spec, CancellationToken cancellationToken)
    {
        var answer = spec.Answer ?? await NearestSolutionAsync(spec, cancellationToken);
        var answerVerdict = await VerifyAsync(spec, answer, cancellationToken);
        if (!answerVerdict.Passed)
            throw new RequestFieldException($"{spec.Field}.answer",
                $"{spec.Field}.answer does not pass the problem's verifier ({Wire(answerVerdict.Status)}): {answerVerdict.Feedback}".TrimEnd(' ', ':'));
        if (spec.Attempt is not { } attempt) return (answer, spec.Feedback!, null);

        var verdict = await VerifyAsync(spec, attempt, cancellationToken);
        if (verdict.Passed)
            throw new RequestFieldException($"{spec.Field}.attempt", $"{spec.Field}.attempt passes the problem's verifier; the teacher's context needs a failure's feedback.");
        if (string.IsNullOrWhiteSpace(verdict.Feedback))
            throw new RequestFieldException($"{spec.Field}.attempt",
                $"The verifier gave no feedback on {spec.Field}.attempt ({Wire(verdict.Status)}), so the teacher's context would hold nothing more than the question.");
        return (answer, verdict.Feedback, verdict.Status);
    }

    /// <summary>The solver's passing answer nearest to the case's attempt (an exhaustive search: up to about a second).</summary>
    private static async Task<string> NearestSolutionAsync(TeacherAdvantageCaseSpec spec, CancellationToken cancellationToken)
    {
        var solver = (ISolvingVerifier)spec.Problem.Verifier;
        var nearest = await Task.Run(() => solver.NearestSolution(spec.Attempt!), cancellationToken);
        return nearest ?? throw new RequestFieldException($"{spec.Field}.answer", $"{spec.Field}.problem has no passing answer to measure against.");
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
