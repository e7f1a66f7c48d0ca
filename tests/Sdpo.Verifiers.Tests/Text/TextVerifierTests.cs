using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;
using Sdpo.Verifiers.Text;

namespace Sdpo.Verifiers.Tests.Text;

public class TextVerifierTests
{
    [Theory]
    [InlineData("Paris", "  Paris \n", true, false, false, true)]
    [InlineData("Paris", "  Paris \n", false, false, false, false)]
    [InlineData("Paris", "paris", true, false, false, false)]
    [InlineData("Paris", "PARIS", true, true, false, true)]
    [InlineData("New York City", "New   York\tCity", true, false, true, true)]
    [InlineData("New York City", "New   York\tCity", true, false, false, false)]
    public async Task ExactHonoursItsNormalisations(string answer, string attempt, bool trim, bool caseInsensitive, bool fold, bool passes)
    {
        var verdict = await new ExactVerifier(new ExactSpec(answer, trim, caseInsensitive, fold)).VerifyAsync(Sandboxes.AttemptOf(attempt));
        Assert.Equal(passes, verdict.Passed);
        if (!passes) Assert.DoesNotContain(answer, verdict.Feedback);
    }

    [Fact]
    public async Task RegexMatchesTheWholeTrimmedAnswerByDefault()
    {
        var whole = new RegexVerifier(new RegexSpec(@"\d{3}-\d{4}"));
        Assert.True((await whole.VerifyAsync(Sandboxes.AttemptOf(" 555-1234\n"))).Passed);
        Assert.Equal(VerdictStatus.Wrong, (await whole.VerifyAsync(Sandboxes.AttemptOf("call 555-1234"))).Status);
        var partial = new RegexVerifier(new RegexSpec(@"\d{3}-\d{4}", FullMatch: false));
        Assert.True((await partial.VerifyAsync(Sandboxes.AttemptOf("call 555-1234"))).Passed);
    }

    [Fact]
    public async Task CatastrophicBacktrackingCannotHangTheService()
    {
        var attack = new string('a', 5000) + "!";
        // Linear-time engine: answers at once.
        var nested = await new RegexVerifier(new RegexSpec("(a+)+$")).VerifyAsync(Sandboxes.AttemptOf(attack));
        Assert.Equal(VerdictStatus.Wrong, nested.Status);
        Assert.True(nested.Duration < TimeSpan.FromSeconds(5));

        // A backreference forces backtracking: the match timeout stops it.
        var backreference = await new RegexVerifier(new RegexSpec(@"((a+)+)\1x")).VerifyAsync(Sandboxes.AttemptOf(attack));
        Assert.Equal(VerdictStatus.VerifierError, backreference.Status);
        Assert.Contains("longer than", backreference.Feedback);
    }

    [Theory]
    [InlineData("42", 42, true)]
    [InlineData("The answer is 41.", 42, false)]
    [InlineData("So we get \\boxed{1,234}", 1234, true)]
    [InlineData("3/4", 0.75, true)]
    [InlineData("1.5e3", 1500, true)]
    public async Task NumericFindsTheCommittedNumber(string attempt, double answer, bool passes)
    {
        var verdict = await new NumericVerifier(new NumericSpec(answer)).VerifyAsync(Sandboxes.AttemptOf(attempt));
        Assert.Equal(passes, verdict.Passed);
    }

    [Fact]
    public async Task NumericFeedbackSaysHighOrLowWithoutTheAnswer()
    {
        var verifier = new NumericVerifier(new NumericSpec(3.14159, AbsoluteTolerance: 0.001));
        var high = await verifier.VerifyAsync(Sandboxes.AttemptOf("4"));
        Assert.Equal(VerdictStatus.Wrong, high.Status);
        Assert.Contains("too high", high.Feedback);
        Assert.DoesNotContain("3.14", high.Feedback);
        Assert.Contains("too low", (await verifier.VerifyAsync(Sandboxes.AttemptOf("3"))).Feedback);
        Assert.True((await verifier.VerifyAsync(Sandboxes.AttemptOf("3.1416"))).Passed);
        Assert.Equal(VerdictStatus.Invalid, (await verifier.VerifyAsync(Sandboxes.AttemptOf("pi"))).Status);
    }

    [Fact]
    public async Task NumericRelativeTolerance()
    {
        var verifier = new NumericVerifier(new NumericSpec(1_000_000, AbsoluteTolerance: 0, RelativeTolerance: 0.01));
        Assert.True((await verifier.VerifyAsync(Sandboxes.AttemptOf("1,005,000"))).Passed);
        Assert.False((await verifier.VerifyAsync(Sandboxes.AttemptOf("1,020,000"))).Passed);
    }

    [Theory]
    [InlineData("def f():\n    return 1\n", "def f():\n    return 1\n")]
    [InlineData("Here:\n```python\nx = 1\n```\nand\n```\ny = 2\n```", "x = 1\n")]
    [InlineData("```\nz = 3\n```", "z = 3\n")]
    [InlineData("```js\nlet a;\n```\n```py\nb = 1\n```", "b = 1\n")]
    [InlineData("```python\nunterminated = True\n", "unterminated = True\n")]
    public void CodeComesOutOfMarkdownFences(string text, string code) => Assert.Equal(code, CodeBlockExtractor.Extract(text));
}
