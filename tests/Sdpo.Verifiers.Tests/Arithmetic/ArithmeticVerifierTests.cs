using System.Globalization;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticVerifierTests
{
    private static readonly ArithmeticVerifier ThreeThreeEightEight = new([3, 3, 8, 8], 24);

    [Theory]
    [InlineData("8/(3-8/3)")]
    [InlineData("  8 / (3 - 8 / 3)  ")]
    [InlineData("8÷(3−8÷3)")]
    [InlineData("Answer: 8/(3-8/3)")]
    [InlineData("8/(3-8/3) = 24")]
    [InlineData("\n\n8/(3-8/3)\nthis line is ignored")]
    public async Task ExactRationalSolutionPasses(string answer)
    {
        var verdict = await ThreeThreeEightEight.VerifyAsync(new Attempt(new Problem("p"), answer));
        Assert.Equal(VerdictStatus.Passed, verdict.Status);
        Assert.Equal("8/3 = 8/3; 3-(8/3) = 1/3; 8/(1/3) = 24; 24 equals the target 24.", verdict.Feedback);
        Assert.Equal("arithmetic", ThreeThreeEightEight.Kind);
    }

    [Fact]
    public void WrongValueListsEveryStepAndTheDifference()
    {
        var verifier = new ArithmeticVerifier([4, 6, 9, 13], 24);
        AssertVerdict(verifier.Check("4*(6+(13-9))"), VerdictStatus.Wrong,
            "13-9 = 4; 6+4 = 10; 4*10 = 40; 40 is 16 more than the target 24.");
        AssertVerdict(verifier.Check("13-9+6/4"), VerdictStatus.Wrong,
            "13-9 = 4; 6/4 = 3/2; 4+(3/2) = 11/2; 11/2 is 37/2 less than the target 24.");
    }

    [Theory]
    [InlineData("8*3*3", "8*3 = 24; 24*3 = 72; 72 is 48 more than the target 24. Numbers: 8 used 1 time, given 2.")]
    [InlineData("8*3", "8*3 = 24; 24 equals the target 24. Numbers: 3 used 1 time, given 2; 8 used 1 time, given 2.")]
    [InlineData("8*8*3*3*3", "8*8 = 64; 64*3 = 192; 192*3 = 576; 576*3 = 1728; 1728 is 1704 more than the target 24. Numbers: 3 used 3 times, given 2.")]
    [InlineData("8+8+3+5", "8+8 = 16; 16+3 = 19; 19+5 = 24; 24 equals the target 24. Numbers: 3 used 1 time, given 2; 5 not given.")]
    [InlineData("24", "24 equals the target 24. Numbers: 3 not used; 8 not used; 24 not given.")]
    public void NumbersAreCountedAsAMultiset(string answer, string feedback)
    {
        AssertVerdict(ThreeThreeEightEight.Check(answer), VerdictStatus.Wrong, feedback);
    }

    [Fact]
    public void DivisionByZeroIsWrongAndSaysWhere()
    {
        AssertVerdict(ThreeThreeEightEight.Check("8/(3-3)*8"), VerdictStatus.Wrong, "3-3 = 0; 8/0 divides by zero.");
        AssertVerdict(ThreeThreeEightEight.Check("8/(3-3)"), VerdictStatus.Wrong,
            "3-3 = 0; 8/0 divides by zero. Numbers: 8 used 1 time, given 2.");
    }

    [Theory]
    [InlineData("3*8)", "unexpected ')' at column 4.")]
    [InlineData("Answer: 3*8)", "unexpected ')' at column 12.")]
    [InlineData("3 3 8 8", "unexpected '3' at column 3 (missing operator).")]
    [InlineData("", "empty answer.")]
    [InlineData(" \n\t\n", "empty answer.")]
    [InlineData("I think the answer is 24", "unexpected 'I' at column 1.")]
    [InlineData("8/(3-8/3) = twenty-four", "unexpected text after '=' at column 11 (expected '= number' at the end).")]
    [InlineData("3+3+8+8+", "unexpected end at column 9 (expected a number).")]
    public void UnparseableAnswersAreInvalidWithTheColumn(string answer, string feedback)
    {
        AssertVerdict(ThreeThreeEightEight.Check(answer), VerdictStatus.Invalid, feedback);
    }

    [Fact]
    public void NegativeValuesAreWrittenPlainlyWhateverTheCulture()
    {
        var original = CultureInfo.CurrentCulture;
        try
        {
            // Swedish formats negative numbers with U+2212; feedback must stay ASCII.
            CultureInfo.CurrentCulture = new CultureInfo("sv-SE");
            var verifier = new ArithmeticVerifier([1, 2, 3], -4);
            AssertVerdict(verifier.Check("1-2*3 = -5"), VerdictStatus.Wrong, "2*3 = 6; 1-6 = -5; -5 is 1 less than the target -4.");
            AssertVerdict(verifier.Check("1-2*3 = -4"), VerdictStatus.Wrong,
                "2*3 = 6; 1-6 = -5; -5 is 1 less than the target -4. You wrote = -4, but the value is -5.");
            AssertVerdict(verifier.Check("1-2-3"), VerdictStatus.Passed, "1-2 = -1; (-1)-3 = -4; -4 equals the target -4.");
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void FalseValueClaimIsWrong()
    {
        AssertVerdict(ThreeThreeEightEight.Check("8/(3-8/3) = 25"), VerdictStatus.Wrong,
            "8/3 = 8/3; 3-(8/3) = 1/3; 8/(1/3) = 24; 24 equals the target 24. You wrote = 25, but the value is 24.");
    }

    [Fact]
    public void OverflowIsInvalidNotACrash()
    {
        var verdict = ThreeThreeEightEight.Check("999999999999999999*999999999999999999*3*3*8*8");
        Assert.Equal(VerdictStatus.Invalid, verdict.Status);
        Assert.StartsWith("999999999999999999*999999999999999999 is too large.", verdict.Feedback);
        AssertVerdict(ThreeThreeEightEight.Check("99999999999999999999"), VerdictStatus.Invalid,
            "number too long at column 1 (limit 18 digits).");
    }

    [Fact]
    public void HostileInputStaysShortAndSafe()
    {
        var deep = new string('(', 50) + "3" + new string(')', 50);
        AssertVerdict(ThreeThreeEightEight.Check(deep), VerdictStatus.Invalid, "too deeply nested at column 17 (limit 16).");
        var huge = ThreeThreeEightEight.Check(string.Concat(Enumerable.Repeat("1+", 500_000)) + "1");
        Assert.Equal(VerdictStatus.Invalid, huge.Status);
        Assert.Equal("too long (1000001 characters, limit 200).", huge.Feedback);
        var manyNumbers = ThreeThreeEightEight.Check(string.Join("+", Enumerable.Range(1, 40)));
        Assert.Equal(VerdictStatus.Wrong, manyNumbers.Status);
        Assert.Contains("(34 more steps)", manyNumbers.Feedback);
        Assert.Contains("8 used 1 time, given 2; 1 not given; 2 not given; 4 not given; and 35 more.", manyNumbers.Feedback);
        Assert.True(manyNumbers.Feedback.Length < 300, manyNumbers.Feedback);
        Assert.Equal(VerdictStatus.Invalid, ThreeThreeEightEight.Check("\0\u200b💥").Status);
    }

    [Fact]
    public void FeedbackNeverContainsASolution()
    {
        var verifier = new ArithmeticVerifier([4, 6, 9, 13], 24);
        var solutions = ArithmeticSolver.Solve([4, 6, 9, 13], 24).DistinctSolutions;
        Assert.NotEmpty(solutions);
        string[] attempts = ["4*(6+(13-9))", "13+9+6", "13+9+6-4-4", "13+9+(6-4", "4+6+9+13", "(13+9)*(6-4)", "13/0+9+6-4", "24", ""];
        foreach (var attempt in attempts)
        {
            var feedback = verifier.Check(attempt).Feedback;
            Assert.DoesNotContain(solutions, s => feedback.Contains(s, StringComparison.Ordinal));
            Assert.DoesNotContain("13+9+6-4", feedback);
            Assert.DoesNotContain("6-4+13+9", feedback);
        }
    }

    [Fact]
    public async Task CancellationIsHonoured()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => ThreeThreeEightEight.VerifyAsync(new Attempt(new Problem("p"), "8/(3-8/3)"), cancelled.Token));
    }

    [Fact]
    public void FeedbackIsDeterministic()
    {
        var first = ThreeThreeEightEight.Check("(8+8)*3/3");
        var second = new ArithmeticVerifier([3, 3, 8, 8], 24).Check("(8+8)*3/3");
        Assert.Equal(first.Feedback, second.Feedback);
        Assert.Equal("16", first.Metadata!["value"]);
    }

    [Fact]
    public void ConstructorRejectsPuzzlesOutsideTheLimits()
    {
        var tooFew = Assert.Throws<InvalidArithmeticPuzzleException>(() => new ArithmeticVerifier([1, 2], 3));
        Assert.Equal("numbers", tooFew.Field);
        var negative = Assert.Throws<InvalidArithmeticPuzzleException>(() => new ArithmeticVerifier([1, 2, -3], 3));
        Assert.Equal("numbers[2]", negative.Field);
    }

    private static void AssertVerdict(Verdict verdict, VerdictStatus status, string feedback)
    {
        Assert.Equal(feedback, verdict.Feedback);
        Assert.Equal(status, verdict.Status);
    }

    [Theory]
    [InlineData("1+2+3+4", "4+(3+2)+1")]
    [InlineData("1+2+3+4", "Answer: (1+2)+(3+4) = 10")]
    [InlineData("4*3-2*1", "3*4-1*2")]
    [InlineData("(4-1)*3+2", "2+3*(4-1)")]
    public void EquivalentAnswersShareAKey(string first, string second)
    {
        var verifier = new ArithmeticVerifier([1, 2, 3, 4], 10);
        Assert.NotNull(verifier.EquivalenceKey(first));
        Assert.Equal(verifier.EquivalenceKey(first), verifier.EquivalenceKey(second));
    }

    [Theory]
    [InlineData("1+2+3+4", "1+2+3*4")] // another value
    [InlineData("1+2+3+4", "2+2+3+3")] // the same value from other numbers
    [InlineData("4*3-2", "4*3-2*1")] // a number left out
    public void OtherAnswersHaveOtherKeys(string first, string second)
    {
        var verifier = new ArithmeticVerifier([1, 2, 3, 4], 10);
        Assert.NotEqual(verifier.EquivalenceKey(first), verifier.EquivalenceKey(second));
    }

    [Theory]
    [InlineData("1+2+")] // does not parse
    [InlineData("4/(2-2)+3")] // cannot be evaluated
    [InlineData("1+2+3+4 = 11")] // claims a false value: judged by its text
    public void AnswersWithoutAKey(string answer) => Assert.Null(new ArithmeticVerifier([1, 2, 3, 4], 10).EquivalenceKey(answer));

    [Fact]
    public void AnswersWithTheSameKeyPassOrFailTogether()
    {
        // Random expressions over the puzzle's numbers, sometimes one left out, repeated or foreign: within every key
        // the verdicts agree, and some keys (passing ones among them) hold several different texts.
        var verifier = new ArithmeticVerifier([1, 2, 3, 4], 10);
        var random = new Random(1);
        string Expression(List<int> numbers)
        {
            if (numbers.Count == 1) return numbers[0].ToString(CultureInfo.InvariantCulture);
            int split = random.Next(1, numbers.Count);
            var op = "+-*/"[random.Next(4)];
            return $"({Expression(numbers[..split])}){op}({Expression(numbers[split..])})";
        }
        var byKey = new Dictionary<string, List<(string Text, bool Passed)>>();
        for (int i = 0; i < 4000; i++)
        {
            var numbers = new List<int> { 1, 2, 3, 4 }.OrderBy(_ => random.Next()).ToList();
            if (random.Next(4) == 0) numbers[random.Next(4)] = random.Next(1, 6);
            if (random.Next(6) == 0) numbers.RemoveAt(0);
            var text = Expression(numbers);
            if (verifier.EquivalenceKey(text) is not { } key) continue;
            if (!byKey.TryGetValue(key, out var group)) byKey[key] = group = [];
            group.Add((text, verifier.Check(text).Passed));
        }
        Assert.All(byKey.Values, group => Assert.Single(group.Select(g => g.Passed).Distinct()));
        Assert.Contains(byKey.Values, group => group[0].Passed && group.Select(g => g.Text).Distinct().Count() > 1);
        Assert.True(byKey.Values.Count(group => !group[0].Passed && group.Select(g => g.Text).Distinct().Count() > 1) > 10);
    }
}
