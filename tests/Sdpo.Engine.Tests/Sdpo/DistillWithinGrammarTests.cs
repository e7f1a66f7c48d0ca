using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Scoring;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Tests.Sdpo;

public class DistillWithinGrammarTests : IClassFixture<ToyLanguageModel>
{
    private const char Right = 'e';
    private readonly ToyLanguageModel _toy;

    public DistillWithinGrammarTests(ToyLanguageModel toy) => _toy = toy;

    /// <summary>One letter out of <c>letters</c>, then the end.</summary>
    private sealed class OneLetterOf(string letters) : IAnswerGrammar
    {
        public bool IsViablePrefix(string text) => text.Length == 0 || (text.Length == 1 && letters.Contains(text[0]));
        public bool IsComplete(string text) => text.Length == 1 && letters.Contains(text[0]);
    }

    private sealed class AnyText : IAnswerGrammar
    {
        public bool IsViablePrefix(string text) => true;
        public bool IsComplete(string text) => true;
    }

    private sealed class NamesTheAnswer(IAnswerGrammar grammar) : IGrammarVerifier
    {
        public string Kind => "test";
        public IAnswerGrammar AnswerGrammar => grammar;
        public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
            Task.FromResult(Verdict.Fail(VerdictStatus.Wrong, ToyLanguageModel.Feedback(Right)));
    }

    private static DiscoveryRequest Request(IAnswerGrammar grammar, bool withinGrammar) =>
        new(new Problem(ToyLanguageModel.Prompt), new NamesTheAnswer(grammar), DiscoveryMethod.Sdpo, new DiscoveryBudget(32, 8),
            new AttemptSampling(MaxNewTokens: 4, Constrained: true),
            new SdpoOptions { LearningRate = 2e-2, DistillWithinGrammar = withinGrammar }, Seed: 5);

    private async Task<(List<AttemptEvaluated> Attempts, List<double> Losses, double RightLogProb)> Run(DiscoveryRequest request, string? letters = null)
    {
        using var policy = await SdpoPolicy.CreateAsync(_toy.Model, request, default);
        var events = new List<DiscoveryEvent>();
        await foreach (var e in DiscoveryLoop.RunAsync(request, policy)) events.Add(e);
        var losses = events.OfType<StepCompleted>().Select(s => s.Loss ?? double.NaN).ToList();
        return (events.OfType<AttemptEvaluated>().ToList(), losses, RightAnswerLogProb(policy, letters));
    }

    /// <summary>log p(right) among <paramref name="letters"/> only: the probability the constrained sampler draws it
    /// with (the whole vocabulary when null).</summary>
    private double RightAnswerLogProb(SdpoPolicy? policy, string? letters = null)
    {
        var model = _toy.Model;
        var scorer = new SequenceScorer(model.Model);
        var right = model.Tokenizer.Encode(Right.ToString()).Single();
        var allowed = (letters ?? "").Select(c => (long)model.Tokenizer.Encode(c.ToString()).Single()).ToArray();
        return model.Thread.RunAsync(() =>
        {
            using var attachment = policy?.Adapter?.Attach(model.Model);
            using var scores = scorer.ContinuationLogProbs([new ScoringPair(model.EncodePrompt(ToyLanguageModel.Prompt), [right])]);
            var first = scores.LogProbs[0, 0];
            var normaliser = letters is null ? 0.0 : first.index_select(0, TorchSharp.torch.tensor(allowed)).logsumexp(0).item<float>();
            return first[right].item<float>() - normaliser;
        }).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task AGrammarThatAllowsEverythingDistilsAsWithoutIt()
    {
        var plain = await Run(Request(new AnyText(), withinGrammar: false));
        var within = await Run(Request(new AnyText(), withinGrammar: true));

        Assert.Equal(plain.Attempts.Select(a => a.Text), within.Attempts.Select(a => a.Text));
        Assert.Equal(plain.Losses.Count, within.Losses.Count);
        // The first update sees the same batch; it differs only by the few tokens that decode to no text, which no
        // grammar allows and which hold almost no mass (later steps drift apart from there).
        Assert.Equal(plain.Losses[0], within.Losses[0], 3);
        Assert.All(within.Losses, loss => Assert.True(double.IsFinite(loss)));
    }

    [Fact]
    public async Task WithinAGrammarTheStudentStillLearnsWhatTheFeedbackSays()
    {
        const string letters = "cdefg";
        var grammar = new OneLetterOf(letters);
        double before = RightAnswerLogProb(null, letters);
        var plain = await Run(Request(grammar, withinGrammar: false), letters);
        var within = await Run(Request(grammar, withinGrammar: true), letters);

        Assert.All(within.Attempts, a => Assert.True(grammar.IsComplete(a.Text), a.Text));
        Assert.All(within.Losses, loss => Assert.True(double.IsFinite(loss), $"loss {loss}"));
        // Renormalised over five letters, the divergences are not those of the full vocabulary.
        Assert.NotEqual(plain.Losses[0], within.Losses[0], 3);
        Assert.True(within.RightLogProb - before > 0.5, $"log p(right | allowed) moved by {within.RightLogProb - before:F3} (without the grammar in the loss: {plain.RightLogProb - before:F3})");
    }

    [Fact]
    public async Task TeacherAdvantageWithinAGrammarRenormalisesStudentAndTeacher()
    {
        var model = _toy.Model;
        var feedback = ToyLanguageModel.Feedback(Right);
        var plain = await TeacherAdvantage.MeasureAsync(model, ToyLanguageModel.Prompt, feedback, Right.ToString());
        var within = await TeacherAdvantage.MeasureAsync(model, ToyLanguageModel.Prompt, feedback, Right.ToString(), grammar: new OneLetterOf("cdefg"));
        var forced = await TeacherAdvantage.MeasureAsync(model, ToyLanguageModel.Prompt, feedback, Right.ToString(), grammar: new OneLetterOf("e"));

        Assert.True(within.StudentLogProb > plain.StudentLogProb, $"{within} vs {plain}");
        Assert.True(within.TeacherLogProb > plain.TeacherLogProb, $"{within} vs {plain}");
        Assert.True(within.Nats > 0, within.ToString());
        // A grammar that allows only the answer (and then only the stop) leaves nothing to know better.
        Assert.Equal(0, forced.StudentLogProb, 5);
        Assert.Equal(0, forced.TeacherLogProb, 5);
    }

    [Fact]
    public async Task TeacherAdvantageWithinAGrammarRefusesAnAnswerTheGrammarCannotProduce()
    {
        var model = _toy.Model;
        var feedback = ToyLanguageModel.Feedback(Right);
        // Renormalised over what the grammar allows, the refused token's probability is zero: there is no score to give.
        var outside = await Assert.ThrowsAsync<AnswerOutsideGrammarException>(() =>
            TeacherAdvantage.MeasureAsync(model, ToyLanguageModel.Prompt, feedback, Right.ToString(), grammar: new OneLetterOf("cdfg")));
        Assert.Equal("", outside.Accepted);
        Assert.Equal(Right.ToString(), outside.RefusedToken);
        // A complete answer of the grammar with more after it: the stop was due, not another letter.
        var tooLong = await Assert.ThrowsAsync<AnswerOutsideGrammarException>(() =>
            TeacherAdvantage.MeasureAsync(model, ToyLanguageModel.Prompt, feedback, "ee", grammar: new OneLetterOf("e")));
        Assert.Equal("e", tooLong.Accepted);
    }
}
