using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticParserTests
{
    [Theory]
    [InlineData("8/(3-8/3)", "24")]
    [InlineData("2+3*4", "14")]
    [InlineData("(2+3)*4", "20")]
    [InlineData("10-4-3", "3")]
    [InlineData("48/4/2", "6")]
    [InlineData("7/2", "7/2")]
    [InlineData(" 3 × 8 ÷ 3 − 1 ", "7")]
    public void EvaluatesExactlyWithUsualPrecedence(string text, string value)
    {
        var evaluation = ArithmeticEvaluator.Evaluate(ArithmeticParser.Parse(text));
        Assert.True(evaluation.Succeeded);
        Assert.Equal(value, evaluation.Value.ToString());
    }

    [Fact]
    public void StepsFollowEvaluationOrder()
    {
        var evaluation = ArithmeticEvaluator.Evaluate(ArithmeticParser.Parse("4*(6+(13-9))"));
        Assert.Equal(["13-9 = 4", "6+4 = 10", "4*10 = 40"], evaluation.Steps.Select(s => s.ToString()));
        var fractions = ArithmeticEvaluator.Evaluate(ArithmeticParser.Parse("8/(3-8/3)"));
        Assert.Equal(["8/3 = 8/3", "3-(8/3) = 1/3", "8/(1/3) = 24"], fractions.Steps.Select(s => s.ToString()));
    }

    [Theory]
    [InlineData("3*8)", "unexpected ')' at column 4")]
    [InlineData("(3+5))*2", "unexpected ')' at column 6")]
    [InlineData("3+", "unexpected end at column 3 (expected a number)")]
    [InlineData("(3+5", "missing ')' at column 5 (unclosed '(')")]
    [InlineData("3(4+5)", "unexpected '(' at column 2 (missing operator)")]
    [InlineData("3 4", "unexpected '4' at column 3 (missing operator)")]
    [InlineData("-3+4", "unexpected '-' at column 1 (expected a number)")]
    [InlineData("2.5*2", "unexpected '.' at column 2")]
    [InlineData("3^2", "unexpected '^' at column 2")]
    [InlineData("()", "unexpected ')' at column 2")]
    [InlineData("3+\u200b4", "unexpected U+200B at column 3")]
    [InlineData("3+\U0001F4A5", "unexpected U+D83D at column 3")]
    [InlineData("   ", "empty expression")]
    [InlineData("1234567890123456789", "number too long at column 1 (limit 18 digits)")]
    public void ParseErrorsNameTheColumn(string text, string message)
    {
        Assert.False(ArithmeticParser.TryParse(text, out _, out var error));
        Assert.Equal(message, error.Message);
        var thrown = Assert.Throws<ArithmeticParseException>(() => ArithmeticParser.Parse(text));
        Assert.Equal(message, thrown.Message);
    }

    [Fact]
    public void DeepNestingAndLongInputAreRejectedWithoutRecursingDeeply()
    {
        var nested = new string('(', ArithmeticParser.MaxNestingDepth + 1) + "1" + new string(')', ArithmeticParser.MaxNestingDepth + 1);
        Assert.False(ArithmeticParser.TryParse(nested, out _, out var error));
        Assert.StartsWith($"too deeply nested at column {ArithmeticParser.MaxNestingDepth + 1}", error.Message);

        var allowed = new string('(', ArithmeticParser.MaxNestingDepth) + "1" + new string(')', ArithmeticParser.MaxNestingDepth);
        Assert.True(ArithmeticParser.TryParse(allowed, out _, out _));

        var huge = new string('(', 1_000_000);
        Assert.False(ArithmeticParser.TryParse(huge, out _, out var tooLong));
        Assert.Equal($"too long (1000000 characters, limit {ArithmeticParser.MaxLength})", tooLong.Message);
    }

    [Fact]
    public void EvaluatorHandlesTreesDeeperThanTheParserAllows()
    {
        ArithmeticExpression tree = new NumberExpression(1);
        for (var i = 0; i < 100_000; i++) tree = new BinaryExpression(ArithmeticOperator.Add, new NumberExpression(1), tree);
        var evaluation = ArithmeticEvaluator.Evaluate(tree);
        Assert.Equal((Rational)100_001, evaluation.Value);
    }

    [Theory]
    [InlineData("8/(3-8/3)")]
    [InlineData("(1+2)*(3-4)/5")]
    [InlineData("1-(2-3)")]
    [InlineData("1/(2*3)")]
    [InlineData("1+2*3")]
    public void ToStringRoundTripsTheTree(string text)
    {
        var tree = ArithmeticParser.Parse(text);
        Assert.Equal(text, tree.ToString());
    }

    [Fact]
    public void LiteralsAreListedLeftToRight()
    {
        Assert.Equal([8L, 3, 8, 3], ArithmeticParser.Parse("8/(3-8/3)").Literals());
    }
}
