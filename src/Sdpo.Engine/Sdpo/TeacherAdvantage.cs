using Sdpo.Engine.Scoring;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// How much better the self-teacher knows a correct answer y*: Σ_t [log π(y*_t | reprompt, y*&lt;t) − log π(y*_t | x, y*&lt;t)],
/// with the reprompt built from SDPO's templates. Positive means feedback in context helps; SDPO only works then.
/// </summary>
public sealed record TeacherAdvantage(double StudentLogProb, double TeacherLogProb, int Tokens)
{
    public double Nats => TeacherLogProb - StudentLogProb;

    /// <param name="includeStop">Score the stop token after the answer too (the answer must also end there).</param>
    public static Task<TeacherAdvantage> MeasureAsync(LanguageModel model, string prompt, string feedback, string answer,
        string? passingSibling = null, bool includeStop = true, CancellationToken cancellationToken = default)
    {
        var studentContext = model.EncodePrompt(prompt);
        var teacherContext = model.EncodePrompt(TeacherPrompt.Build(prompt, feedback, passingSibling));
        var continuation = AnswerTokens(model, prompt, answer, studentContext);
        if (includeStop && model.Tokenizer.StopTokenIds.Count > 0) continuation.Add(model.Tokenizer.StopTokenIds[0]);
        var scorer = new SequenceScorer(model.Model);
        return model.Thread.RunAsync(() =>
        {
            var scores = scorer.Score(new[] { new ScoringPair(studentContext, continuation), new ScoringPair(teacherContext, continuation) });
            return new TeacherAdvantage(scores[0].TotalLogProb, scores[1].TotalLogProb, continuation.Count);
        }, cancellationToken);
    }

    /// <summary>The answer's tokens as they follow the prompt (SentencePiece, for one, encodes a leading word differently alone).</summary>
    private static List<int> AnswerTokens(LanguageModel model, string prompt, string answer, IReadOnlyList<int> promptTokens)
    {
        var joined = model.EncodePrompt(prompt + answer);
        bool extendsPrompt = joined.Count > promptTokens.Count && joined.Take(promptTokens.Count).SequenceEqual(promptTokens);
        return extendsPrompt ? joined.Skip(promptTokens.Count).ToList() : model.Tokenizer.Encode(answer).ToList();
    }
}
