using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class CanonicalExpressionTests
{
    [Theory]
    [InlineData("a-(b-c)", "a+c-b")]
    [InlineData("(b+a)*c", "c*(a+b)")]
    [InlineData("a/(b/c)", "a*c/b")]
    [InlineData("a+b+c", "c+(a+b)")]
    [InlineData("(a*b)*c", "b*(c*a)")]
    [InlineData("a-b-c", "a-(b+c)")]
    public void EquivalentRearrangementsShareOneForm(string first, string second)
    {
        Assert.Equal(Canonical(first), Canonical(second));
    }

    [Theory]
    [InlineData("a*(b+c)", "a*b+a*c")] // no distributivity
    [InlineData("a*b", "a/b")]
    [InlineData("a-b", "b-a")]
    public void DifferentStructuresStayDifferent(string first, string second)
    {
        Assert.NotEqual(Canonical(first), Canonical(second));
    }

    [Theory]
    [InlineData("8/(3-8/3)")]
    [InlineData("(13-9)*(6-4)+9/3")]
    [InlineData("2-(3-(4/(5/6)))")]
    public void FormIsAnEquivalentExpressionAndIdempotent(string text)
    {
        var tree = ArithmeticParser.Parse(text);
        var canonical = CanonicalExpression.Of(tree);
        var reparsed = ArithmeticParser.Parse(canonical);
        Assert.Equal(ArithmeticEvaluator.Evaluate(tree).Value, ArithmeticEvaluator.Evaluate(reparsed).Value);
        Assert.Equal(tree.Literals().Order(), reparsed.Literals().Order());
        Assert.Equal(canonical, CanonicalExpression.Of(reparsed));
    }

    [Fact]
    public void NumbersComeFirstLargestFirst()
    {
        Assert.Equal("8+3+1", CanonicalExpression.Of(ArithmeticParser.Parse("1+3+8")));
        Assert.Equal("8/(3-8/3)", CanonicalExpression.Of(ArithmeticParser.Parse("8/(3-8/3)")));
    }

    [Theory]
    [InlineData("3*(4+5)", "3*(4+5)", 0)]
    [InlineData("3*(4+5)", "3 × (4 + 5)", 0)]
    [InlineData("3*(4+5)", "3*(4-5)", 1)]
    [InlineData("3*(4+5)", "3*4+5", 2)]
    [InlineData("12+3", "1+23", 2)]
    [InlineData("", "1+2", 3)]
    public void TokenEditDistance(string a, string b, int distance)
    {
        Assert.Equal(distance, ExpressionDistance.Between(a, b));
        Assert.Equal(distance, ExpressionDistance.Between(b, a));
    }

    [Fact]
    public void NearestPicksTheClosestCandidate()
    {
        Assert.Equal("3*(4+5)", ExpressionDistance.Nearest("3*(4-5)", ["3+4+5", "3*(4+5)", "(3+4)*5"]));
        Assert.Null(ExpressionDistance.Nearest("1", []));
    }

    // Letters stand for distinct numbers so the cases read like algebra.
    private static string Canonical(string algebra)
    {
        var text = algebra.Replace("a", "7").Replace("b", "5").Replace("c", "2");
        return CanonicalExpression.Of(ArithmeticParser.Parse(text));
    }
}
