using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Arithmetic.Solving;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticAnswerGrammarTests
{
    private const string Alphabet = "0123456789+-*/()\n x=";
    private static readonly ArithmeticAnswerGrammar ThreeThreeEightEight = new([3, 3, 8, 8]);

    [Theory]
    [InlineData("8/(3-8/3)")]
    [InlineData("8/(3-8/3)\n")]
    [InlineData("((3+3)*8)/8")]
    [InlineData("3*3*8*8")]
    public void AnswersThatUseEachNumberOnceAreCompleteAndEveryPrefixIsViable(string answer)
    {
        Assert.True(ThreeThreeEightEight.IsComplete(answer));
        for (var length = 0; length <= answer.Length; length++)
            Assert.True(ThreeThreeEightEight.IsViablePrefix(answer[..length]), $"prefix '{answer[..length]}'");
    }

    [Theory]
    [InlineData("8/(3-8", "still inside a parenthesis")]
    [InlineData("8/(3+", "an operator waits for an operand")]
    [InlineData("8*3*3", "an 8 is left")]
    [InlineData("", "nothing yet")]
    public void UnfinishedAnswersAreViableButNotComplete(string prefix, string why)
    {
        Assert.True(ThreeThreeEightEight.IsViablePrefix(prefix), why);
        Assert.False(ThreeThreeEightEight.IsComplete(prefix), why);
    }

    [Theory]
    [InlineData("8*8*8", "8 a third time")]
    [InlineData("4", "4 is not given")]
    [InlineData("38", "no given number starts with 38")]
    [InlineData("+3", "an operator first")]
    [InlineData("3)", "')' without '('")]
    [InlineData("3(", "'(' after an operand")]
    [InlineData("3 * 3", "spaces are not in the prompt format")]
    [InlineData("3*3*8*8*", "no number is left for the operand")]
    [InlineData("3*3*8*8(", "no number is left for the parenthesis")]
    [InlineData("3*3*8*8\n\n", "nothing after the end of the line")]
    [InlineData("3*3*8*8=576", "no value claims")]
    [InlineData("3*3*8\n", "the line ends before every number is used")]
    [InlineData("3*3x", "letters")]
    public void TextThatCannotBecomeAWellFormedAnswerIsDead(string text, string why)
    {
        Assert.False(ThreeThreeEightEight.IsViablePrefix(text), why);
        Assert.False(ThreeThreeEightEight.IsComplete(text), why);
    }

    [Fact]
    public void NumbersThatArePrefixesOfOthersAreToldApart()
    {
        var grammar = new ArithmeticAnswerGrammar([1, 13, 130]);
        Assert.True(grammar.IsViablePrefix("1"));
        Assert.True(grammar.IsViablePrefix("13"));
        Assert.True(grammar.IsViablePrefix("130+1"));
        Assert.False(grammar.IsViablePrefix("1301"));
        Assert.False(grammar.IsViablePrefix("13+13+"));
        Assert.True(grammar.IsComplete("13+130-1"));
        Assert.True(grammar.IsComplete("1*130+13"));
        Assert.False(grammar.IsComplete("1*130+1"));
    }

    /// <summary>Random walks through the grammar: they never get stuck, and whatever they complete the verifier
    /// reads as a well-formed answer that uses the given numbers exactly (wrong or right only by its value).</summary>
    [Theory]
    [InlineData(new[] { 3, 3, 8, 8 }, 24)]
    [InlineData(new[] { 2, 25, 7, 100, 1, 13 }, 523)]
    [InlineData(new[] { 10, 1, 100 }, 1)]
    public void EveryCompletedWalkIsWellFormedAndUsesTheNumbersExactly(int[] numbers, int target)
    {
        var verifier = new ArithmeticVerifier(numbers, target);
        var grammar = verifier.AnswerGrammar;
        var random = new Random(numbers.Sum());
        for (var walk = 0; walk < 300; walk++)
        {
            var text = "";
            while (!grammar.IsComplete(text) || random.Next(4) != 0)
            {
                var next = Alphabet.Where(c => grammar.IsViablePrefix(text + c)).ToList();
                if (next.Count == 0)
                {
                    Assert.True(grammar.IsComplete(text), $"stuck at '{text}'");
                    break;
                }
                text += next[random.Next(next.Count)];
                Assert.True(text.Length < 400, $"walk ran away: '{text}'");
            }
            var verdict = verifier.Check(text);
            Assert.True(verdict.Status is VerdictStatus.Passed or VerdictStatus.Wrong, $"'{text}': {verdict.Status} {verdict.Feedback}");
            Assert.DoesNotContain("Numbers:", verdict.Feedback);
        }
    }

    [Fact]
    public void EverySolutionTheSolverFindsIsInTheGrammar()
    {
        var solution = ArithmeticSolver.Solve([4, 6, 9, 13], 24);
        Assert.NotEmpty(solution.DistinctSolutions);
        var grammar = new ArithmeticAnswerGrammar([4, 6, 9, 13]);
        foreach (var answer in solution.DistinctSolutions) Assert.True(grammar.IsComplete(answer), answer);
    }

    [Fact]
    public void TheVerifierOffersItsGrammar()
    {
        IVerifier verifier = new ArithmeticPuzzle([3, 5, 7], 22).CreateVerifier();
        var grammar = Assert.IsAssignableFrom<IGrammarVerifier>(verifier).AnswerGrammar;
        Assert.True(grammar.IsComplete("3*5+7"));
        Assert.False(grammar.IsComplete("3*5+5"));
    }
}
