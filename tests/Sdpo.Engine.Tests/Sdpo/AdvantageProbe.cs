using Sdpo.Engine.Scoring;
using Sdpo.Engine.Sdpo;
using Sdpo.TestSupport;
using Xunit.Abstractions;

namespace Sdpo.Engine.Tests.Sdpo;

public class AdvantageProbe
{
    private readonly ITestOutputHelper _output;
    public AdvantageProbe(ITestOutputHelper output) => _output = output;

    [SharedDataFact("models/stories260k/model.safetensors")]
    public async Task Probe()
    {
        using var model = await LanguageModel.LoadAsync("stories260k", SharedData.Require("models/stories260k"));
        var scorer = new SequenceScorer(model.Model);
        var cases = new (string Prompt, string Feedback, string Answer)[]
        {
            ("Once upon a time, there was a little", "The story is about a dog.", " dog"),
            ("Once upon a time, there was a little", "The story is about a dog named Max.", " dog"),
            ("Once upon a time, there was a little", "dog dog dog dog", " dog"),
            ("Once upon a time, there was a little", "It must be a cat.", " cat"),
            ("Once upon a time, there was a little", "Write about a bird.", " bird"),
            ("Once upon a time, there was a little", "The story is about a boy named Tom. Tom was happy.", " boy named Tom"),
            ("Once upon a time, there was a little girl named", "Her name is Sue.", " Sue"),
            ("Once upon a time, there was a little girl named", "The girl is called Anna. Anna liked to sing.", " Anna"),
            ("Lily liked to play with her", "She played with her ball.", " ball"),
            ("Tom had a big", "It was a big red truck.", " red truck"),
        };
        foreach (var (prompt, feedback, answer) in cases)
        {
            var full = model.EncodePrompt(prompt + answer);
            var head = model.EncodePrompt(prompt);
            var ids = full.Skip(head.Count).ToList();
            Assert.Equal(head, full.Take(head.Count));
            double Lp(string context) => model.Thread.RunAsync(() => scorer.Score(new[] { new ScoringPair(model.EncodePrompt(context), ids) })[0].TotalLogProb).Result;
            double student = Lp(prompt), teacher = Lp(TeacherPrompt.Build(prompt, feedback));
            _output.WriteLine($"{answer,-16} student {student,8:F3} teacher {teacher,8:F3} adv {teacher - student,7:F3}  [{feedback}]");
        }
    }
}
