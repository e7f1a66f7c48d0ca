using Sdpo.Contracts;
using Sdpo.Engine.Generation;
using Sdpo.Engine.Scoring;
using static TorchSharp.torch;

namespace Sdpo.Engine.Sdpo;

/// <summary>
/// How much better the self-teacher knows a correct answer y*: Σ_t [log π(y*_t | reprompt, y*&lt;t) − log π(y*_t | x, y*&lt;t)],
/// with the reprompt built from SDPO's templates. Positive means feedback in context helps; SDPO only works then.
/// With an answer grammar, each token's probability is renormalised over the tokens the grammar allows at its
/// position, for student and teacher alike: the advantage of the distributions a constrained sampler draws from,
/// which SDPO's <c>distillWithinGrammar</c> distils.
/// </summary>
public sealed record TeacherAdvantage(double StudentLogProb, double TeacherLogProb, int Tokens)
{
    public double Nats => TeacherLogProb - StudentLogProb;

    /// <param name="includeStop">Score the stop token after the answer too (the answer must also end there).</param>
    /// <exception cref="ContextLengthException">the teacher context and the answer do not fit the model</exception>
    /// <exception cref="AnswerOutsideGrammarException">with a grammar: the answer is one the grammar cannot produce</exception>
    public static Task<TeacherAdvantage> MeasureAsync(LanguageModel model, string prompt, string feedback, string answer,
        string? passingSibling = null, bool includeStop = true, CancellationToken cancellationToken = default, IAnswerGrammar? grammar = null)
    {
        var studentContext = model.EncodePrompt(prompt);
        var teacherContext = model.EncodePrompt(TeacherPrompt.Build(prompt, feedback, passingSibling));
        var continuation = AnswerTokens(model, prompt, answer, studentContext);
        if (includeStop && model.Tokenizer.StopTokenIds.Count > 0) continuation.Add(model.Tokenizer.StopTokenIds[0]);
        // The teacher's side is the longer one; refuse it here, before anything is queued on the device thread.
        int needed = teacherContext.Count + continuation.Count;
        if (needed > model.ContextLength) throw new ContextLengthException(needed, model.ContextLength, "teacher context plus answer");
        var scorer = new SequenceScorer(model.Model);
        var pairs = new[] { new ScoringPair(studentContext, continuation), new ScoringPair(teacherContext, continuation) };
        if (grammar is not null) return WithinGrammarAsync(model, scorer, pairs, grammar, cancellationToken);
        return model.Thread.RunAsync(() =>
        {
            var scores = scorer.Score(pairs);
            return new TeacherAdvantage(scores[0].TotalLogProb, scores[1].TotalLogProb, continuation.Count);
        }, cancellationToken);
    }

    private static Task<TeacherAdvantage> WithinGrammarAsync(LanguageModel model, SequenceScorer scorer, ScoringPair[] pairs, IAnswerGrammar grammar,
        CancellationToken cancellationToken)
    {
        var continuation = pairs[0].Continuation;
        var filter = new TextGenerator(model.Model, model.Tokenizer).FilterFor(grammar, model.Tokenizer.StopTokenIds);
        var allowed = filter.AllowedAlong(continuation, model.Tokenizer.Decode);
        // A token the grammar refuses has probability zero once renormalised over the allowed ones; scored as it is, its
        // log-probability minus the allowed tokens' log-sum could even come out positive. Refuse such an answer instead.
        for (var t = 0; t < continuation.Count; t++)
        {
            var token = continuation[t];
            // As the mask reads the flags: an id past the token table's end is allowed.
            if (token >= allowed[t].Length || allowed[t][token]) continue;
            var isStop = model.Tokenizer.StopTokenIds.Contains(token);
            throw new AnswerOutsideGrammarException(model.Tokenizer.Decode(continuation.Take(t)), isStop ? null : model.Tokenizer.Decode([token]));
        }
        return model.Thread.RunAsync(() =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            using var distributions = scorer.ContinuationLogProbs(pairs);
            var mask = GrammarTokenFilter.Mask([allowed, allowed], continuation.Count, model.Model.Config.VocabSize, model.Model.Device);
            // log p(token) − log Σ_allowed p: the token's probability renormalised over what the grammar allowed there.
            var normaliser = distributions.LogProbs.masked_fill(mask.logical_not(), double.NegativeInfinity).logsumexp(-1);
            var totals = (distributions.TokenLogProbs() - normaliser).sum(-1).to(ScalarType.Float64).cpu().data<double>().ToArray();
            return new TeacherAdvantage(totals[0], totals[1], continuation.Count);
        }, cancellationToken);
    }

    /// <summary>The answer's tokens as they follow the prompt (SentencePiece, for one, encodes a leading word differently alone).</summary>
    internal static List<int> AnswerTokens(LanguageModel model, string prompt, string answer, IReadOnlyList<int> promptTokens)
    {
        var joined = model.EncodePrompt(prompt + answer);
        bool extendsPrompt = joined.Count > promptTokens.Count && joined.Take(promptTokens.Count).SequenceEqual(promptTokens);
        return extendsPrompt ? joined.Skip(promptTokens.Count).ToList() : model.Tokenizer.Encode(answer).ToList();
    }
}
