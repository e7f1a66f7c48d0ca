using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Text;

namespace Sdpo.Verifiers.Tests.Specs;

public class VerifierSpecParserTests
{
    [Theory]
    [InlineData("""{"kind":"exact","answer":"42","caseInsensitive":true}""", typeof(ExactSpec))]
    [InlineData("""{"kind":"regex","pattern":"^\\d+$"}""", typeof(RegexSpec))]
    [InlineData("""{"kind":"numeric","answer":"3.5","relativeTolerance":0.01}""", typeof(NumericSpec))]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3,4],"target":24}""", typeof(ArithmeticSpec))]
    [InlineData("""{"kind":"python","tests":"assert f(1) == 2","entryPoint":"f","timeoutSeconds":2}""", typeof(PythonSpec))]
    [InlineData("""{"kind":"p3","sat":"def sat(x: int):\n    return x > 3","answerType":"int"}""", typeof(P3Spec))]
    [InlineData("""{"kind":"http","url":"https://example.org/verify"}""", typeof(HttpSpec))]
    public void EveryKindParses(string json, Type expected) => Assert.IsType(expected, VerifierSpecParser.Parse(json));

    [Fact]
    public void ValuesAndDefaultsComeThrough()
    {
        var exact = Assert.IsType<ExactSpec>(VerifierSpecParser.Parse("""{"kind":"exact","answer":"Paris","foldWhitespace":true}"""));
        Assert.Equal(new ExactSpec("Paris", Trim: true, CaseInsensitive: false, FoldWhitespace: true), exact);
        var python = Assert.IsType<PythonSpec>(VerifierSpecParser.Parse("""{"kind":"python","tests":"assert True","memoryMb":256}"""));
        Assert.Equal(256, python.MemoryMb);
        Assert.Null(python.EntryPoint);
    }

    [Theory]
    [InlineData("""{"kind":"teleport"}""", "verifier.kind", "unknown verifier kind 'teleport'")]
    [InlineData("""{"answer":"1"}""", "verifier.kind", "is required")]
    [InlineData("""{"kind":"regex"}""", "verifier.pattern", "is required")]
    [InlineData("""{"kind":"regex","pattern":"(unclosed"}""", "verifier.pattern", "not a valid regular expression")]
    [InlineData("""{"kind":"regex","pattern":5}""", "verifier.pattern", "must be a string, got a number")]
    [InlineData("""{"kind":"exact","answer":"x","trim":"yes"}""", "verifier.trim", "must be true or false")]
    [InlineData("""{"kind":"numeric","answer":"many"}""", "verifier.answer", "must be a number")]
    [InlineData("""{"kind":"numeric","answer":1,"absoluteTolerance":-1}""", "verifier.absoluteTolerance", "between")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,"2"],"target":3}""", "verifier.numbers[1]", "must be an integer")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2]}""", "verifier.target", "is required")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2],"target":3}""", "verifier.numbers", "expected 3 to 6 numbers")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,0],"target":3}""", "verifier.numbers[2]", "between")]
    [InlineData("""{"kind":"python","tests":"assert 1","entryPoint":"not valid"}""", "verifier.entryPoint", "not a Python identifier")]
    [InlineData("""{"kind":"python","tests":"assert 1","timeoutSeconds":100000}""", "verifier.timeoutSeconds", "between")]
    [InlineData("""{"kind":"python","tests":"assert 1","tset":"typo"}""", "verifier.tset", "is not a field of verifier kind 'python'")]
    [InlineData("""{"kind":"http","url":"file:///etc/passwd"}""", "verifier.url", "not an absolute http or https URL")]
    [InlineData("""{"kind":"http","url":"https://user:pw@example.org/"}""", "verifier.url", "credentials")]
    [InlineData("""[1,2]""", "verifier", "must be a JSON object")]
    [InlineData("""{"kind":""", "verifier", "not valid JSON")]
    [InlineData("""{"kind":"exact","answer":"\ud800"}""", "verifier.answer", "not valid Unicode text")]
    [InlineData("""{"kind":"\udc00x"}""", "verifier.kind", "not valid Unicode text")]
    [InlineData("""{"kind":"numeric","answer":"1\ud800"}""", "verifier.answer", "not valid Unicode text")]
    [InlineData("""{"kind":"exact","answer":"4","\ud800":1}""", "verifier", "has a field name that is not valid Unicode text")]
    // Numbers are JSON numbers, never text, as in every request field (only the numeric verifier's answer may be text).
    [InlineData("""{"kind":"python","tests":"assert 1","timeoutSeconds":"5"}""", "verifier.timeoutSeconds", "must be a number, got a string")]
    [InlineData("""{"kind":"p3","sat":"def sat(x): return True","timeoutSeconds":"5"}""", "verifier.timeoutSeconds", "must be a number, got a string")]
    [InlineData("""{"kind":"http","url":"https://example.org/","timeoutSeconds":"5"}""", "verifier.timeoutSeconds", "must be a number, got a string")]
    [InlineData("""{"kind":"numeric","answer":1,"absoluteTolerance":"0.1"}""", "verifier.absoluteTolerance", "must be a number, got a string")]
    // An integer out of range is told the range, however large; one with a fraction is not an integer.
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,3],"target":1000000000000}""", "verifier.target", "is 1000000000000; it must be between")]
    [InlineData("""{"kind":"arithmetic","numbers":[1,2,1e20],"target":3}""", "verifier.numbers[2]", "is 1e20; it must be between")]
    [InlineData("""{"kind":"python","tests":"assert 1","memoryMb":100000.0}""", "verifier.memoryMb", "is 100000.0; it must be between")]
    [InlineData("""{"kind":"python","tests":"assert 1","memoryMb":256.5}""", "verifier.memoryMb", "must be an integer, got 256.5")]
    [InlineData("""{"kind":"python","tests":"assert 1","entryPoint":"class"}""", "verifier.entryPoint", "not a Python identifier")]
    [InlineData("""{"kind":"python","tests":"assert 1","entryPoint":"None"}""", "verifier.entryPoint", "not a Python identifier")]
    public void BadSpecsNameTheField(string json, string field, string message)
    {
        var error = Assert.Throws<VerifierSpecException>(() => VerifierSpecParser.Parse(json));
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.StartsWith(field + ":", error.Message);
    }

    [Fact]
    public void IntegralNumbersAndSoftKeywordsAreAccepted()
    {
        Assert.Equal(1000, Assert.IsType<PythonSpec>(VerifierSpecParser.Parse("""{"kind":"python","tests":"assert 1","memoryMb":1000.0}""")).MemoryMb);
        Assert.Equal(22, Assert.IsType<ArithmeticSpec>(VerifierSpecParser.Parse("""{"kind":"arithmetic","numbers":[3,5,7],"target":2.2e1}""")).Target);
        // match, case, type and _ are soft keywords: `def match(...)` is a function like any other.
        foreach (var name in new[] { "match", "case", "type", "_" })
            Assert.Equal(name, Assert.IsType<PythonSpec>(VerifierSpecParser.Parse($$"""{"kind":"python","tests":"assert 1","entryPoint":"{{name}}"}""")).EntryPoint);
    }

    [Fact]
    public void NestedPathsArePrefixed()
    {
        using var request = JsonDocument.Parse("""{"problem":"p","verifier":{"kind":"regex"}}""");
        var error = Assert.Throws<VerifierSpecException>(() =>
            VerifierSpecParser.Parse(request.RootElement.GetProperty("verifier"), "request.verifier"));
        Assert.Equal("request.verifier.pattern", error.Field);
    }

    [Fact]
    public async Task FactoryBuildsTheKindAndRefusesKindsWithoutTheirService()
    {
        var factory = new VerifierFactory();
        using var exact = JsonDocument.Parse("""{"kind":"exact","answer":"7"}""");
        Assert.IsType<ExactVerifier>(await factory.CreateAsync(exact.RootElement));
        Assert.Equal("arithmetic", (await factory.CreateAsync(new ArithmeticSpec([1, 2, 3], 6))).Kind);
        var error = await Assert.ThrowsAsync<VerifierSpecException>(() => factory.CreateAsync(new PythonSpec("assert True")));
        Assert.Equal("verifier.kind", error.Field);
        await Assert.ThrowsAsync<VerifierSpecException>(() => factory.CreateAsync(new HttpSpec(new Uri("https://example.org/"))));
    }

    [Fact]
    public void StatusWireNamesRoundTrip()
    {
        foreach (var status in Enum.GetValues<VerdictStatus>())
        {
            Assert.True(VerdictStatusNames.TryParse(status.ToName(), out var parsed));
            Assert.Equal(status, parsed);
        }
        Assert.Equal("runtime-error", VerdictStatus.RuntimeError.ToName());
    }

    [Fact]
    public void PythonOptionsAreCheckedWithTheirConfigurationName()
    {
        var error = Assert.Throws<ArgumentException>(() => new Sdpo.Verifiers.Sandbox.PythonSandbox(new PythonVerifierOptions { MemoryMb = 1 }));
        Assert.Contains("Verifiers:Python:MemoryMb", error.Message);
    }
}
