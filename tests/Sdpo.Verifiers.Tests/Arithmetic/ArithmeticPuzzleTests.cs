using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class ArithmeticPuzzleTests
{
    [Fact]
    public void ReadsAndWritesTheSpec()
    {
        var puzzle = ArithmeticPuzzle.FromJson("""{"kind": "arithmetic", "numbers": [3, 3, 8, 8], "target": 24}""");
        Assert.Equal([3, 3, 8, 8], puzzle.Numbers);
        Assert.Equal(24, puzzle.Target);
        Assert.Equal("""{"kind":"arithmetic","numbers":[3,3,8,8],"target":24}""", puzzle.ToJson());
        Assert.Equal(puzzle.ToJson(), ArithmeticPuzzle.FromJson("""{"numbers":[3,3,8,8],"target":24}""").ToJson());

        var viaSerializer = JsonSerializer.Deserialize<ArithmeticPuzzle>(puzzle.ToJson())!;
        Assert.Equal(puzzle.ToJson(), JsonSerializer.Serialize(viaSerializer));
    }

    [Theory]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2],"target":3}""", "numbers", "expected 3 to 6 numbers, got 2")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3,4,5,6,7],"target":3}""", "numbers", "expected 3 to 6 numbers, got 7")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,0],"target":3}""", "numbers[2]", "expected a number from 1 to 1000, got 0")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2.5,3],"target":3}""", "numbers[1]", "expected an integer, got 2.5")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,"2",3],"target":3}""", "numbers[1]", "expected an integer, got \"2\"")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3],"target":99999999999}""", "target", "expected an integer, got 99999999999")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3],"target":2000000}""", "target", "expected a number from -1000000 to 1000000, got 2000000")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3]}""", "target", "missing")]
    [InlineData("""{"kind":"arithmetic","target":3}""", "numbers", "missing")]
    [InlineData("""{"kind":"arithmetic","numbers":"1 2 3","target":3}""", "numbers", "expected an array of integers, got \"1 2 3\"")]
    [InlineData("""{"kind":"python","numbers":[1,2,3],"target":3}""", "kind", "expected \"arithmetic\", got \"python\"")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3],"target":3,"tagret":4}""", "tagret", "unknown field (expected kind, numbers, target)")]
    [InlineData("""[1,2,3]""", "spec", "expected a JSON object, got [1,2,3]")]
    public void ValidationErrorsNameTheField(string json, string field, string problem)
    {
        var failure = Assert.Throws<InvalidArithmeticPuzzleException>(() => ArithmeticPuzzle.FromJson(json));
        Assert.Equal(field, failure.Field);
        Assert.Equal(field, failure.ParamName);
        Assert.Equal($"{field}: {problem}", failure.Message);
    }

    [Fact]
    public void MalformedJsonIsASpecError()
    {
        var failure = Assert.Throws<InvalidArithmeticPuzzleException>(() => ArithmeticPuzzle.FromJson("""{"numbers": [1,2"""));
        Assert.Equal("spec", failure.Field);
        Assert.StartsWith("spec: not valid JSON", failure.Message);
        Assert.Throws<InvalidArithmeticPuzzleException>(() => JsonSerializer.Deserialize<ArithmeticPuzzle>("""{"numbers":[1],"target":1}"""));
    }

    [Fact]
    public void RendersACompactPromptAndAMatchingVerifier()
    {
        var puzzle = new ArithmeticPuzzle([3, 5, 7], 22);
        Assert.Equal("Numbers: 3 5 7\nTarget: 22\nExpression: ", puzzle.RenderPrompt());
        Assert.Equal(puzzle.RenderPrompt(), puzzle.ToProblem("q1").Prompt);
        Assert.Equal("q1", puzzle.ToProblem("q1").Id);
        var verifier = puzzle.CreateVerifier();
        Assert.Equal("arithmetic", verifier.Kind);
        Assert.True(verifier.Check("3*5+7").Passed);
    }

    [Fact]
    public void RendersTrainingExamplesOnlyWithPassingExpressions()
    {
        var puzzle = new ArithmeticPuzzle([3, 5, 7], 22);
        Assert.Equal("Numbers: 3 5 7\nTarget: 22\nExpression: 7+5*3\n", puzzle.RenderTrainingExample());
        Assert.Equal("Numbers: 3 5 7\nTarget: 22\nExpression: 3*5+7\n", puzzle.RenderTrainingExample("3*5+7"));
        var wrong = Assert.Throws<ArgumentException>(() => puzzle.RenderTrainingExample("3+5+7"));
        Assert.Contains("does not solve", wrong.Message);
        Assert.Throws<InvalidOperationException>(() => new ArithmeticPuzzle([1, 1, 1], 24).RenderTrainingExample());
    }

    [Fact]
    public void FindsTheSolutionNearestToAFailedAttempt()
    {
        var puzzle = new ArithmeticPuzzle([1, 2, 3, 4], 24);
        Assert.Equal("4*(3+2+1)", puzzle.NearestSolution("(1+2+3)*4+1"));
        Assert.Equal("(3+1)*(4+2)", puzzle.NearestSolution("(1+3)*(2+4"));
        Assert.Null(new ArithmeticPuzzle([1, 1, 1], 24).NearestSolution("1+1+1"));

        // The verifier offers the same search to callers that know only verifiers (the service's teacher-advantage check).
        ISolvingVerifier verifier = new ArithmeticVerifier([1, 2, 3, 4], 24);
        Assert.Equal("4*(3+2+1)", verifier.NearestSolution("(1+2+3)*4+1"));
        Assert.Null(((ISolvingVerifier)new ArithmeticVerifier([1, 1, 1], 24)).NearestSolution("1+1+1"));
    }
}
