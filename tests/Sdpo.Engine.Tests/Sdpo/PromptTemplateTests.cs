using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Tests.Sdpo;

public class PromptTemplateTests
{
    [Fact]
    public void TeacherContextFollowsTheReferenceTemplateWithoutTheAttempt()
    {
        string context = TeacherPrompt.Build("Q?", "too small");
        Assert.Equal(
            "Q?\nThe following is feedback from your unsuccessful earlier attempt:\n\ntoo small\n\n\n\nCorrectly solve the original question.\n",
            context);
        Assert.Equal(
            "Q?\nCorrect solution:\n\n42\n\n\nThe following is feedback from your unsuccessful earlier attempt:\n\nno\n\n\n\nCorrectly solve the original question.\n",
            TeacherPrompt.Build("Q?", "no", "42"));
        Assert.False(TeacherPrompt.HasSignal("", null));
        Assert.True(TeacherPrompt.HasSignal("", "42"));
    }

    [Fact]
    public void LongFeedbackIsTruncatedNeverThePrompt()
    {
        string prompt = new('p', 50);
        string feedback = "START" + new string('x', 500) + "END";
        string context = TeacherPrompt.BuildWithin(prompt, feedback, null, 200, s => s.Length)!;
        Assert.NotNull(context);
        Assert.True(context.Length <= 200, context.Length.ToString());
        Assert.StartsWith(prompt, context);
        Assert.Contains("START", context);
        Assert.Contains("END", context);
        Assert.EndsWith(TeacherPrompt.Instruction, context);
        // Fits already: unchanged.
        Assert.Equal(TeacherPrompt.Build(prompt, "short", null), TeacherPrompt.BuildWithin(prompt, "short", null, 1000, s => s.Length));
        // Not even the template fits beside the prompt: no context, rather than one over the limit.
        Assert.Null(TeacherPrompt.BuildWithin(prompt, feedback, null, prompt.Length + 10, s => s.Length));
    }

    [Fact]
    public void MultiTurnDropsTheOldestFeedbackFirst()
    {
        var feedback = new[] { "first", "second", "third" };
        Assert.Equal("P\n\nfirst\n\nsecond\n\nthird\n\nCorrectly solve the original question.\n", MultiTurnPrompt.Build("P", feedback));
        string fitted = MultiTurnPrompt.BuildWithin("P", feedback, 60, s => s.Length);
        Assert.DoesNotContain("first", fitted);
        Assert.Contains("third", fitted);
        Assert.Equal("P", MultiTurnPrompt.Build("P", Array.Empty<string>()));
    }
}
