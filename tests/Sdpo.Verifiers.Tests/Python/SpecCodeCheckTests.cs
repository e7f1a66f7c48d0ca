using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>
/// Code in a spec that can never work is refused when the verifier is built, naming the field, instead of failing every
/// attempt as a verifier error; and an answer type the harness cannot evaluate is a verifier error, never a skipped check.
/// </summary>
public class SpecCodeCheckTests
{
    private const string Sat = "def sat(x):\n    return x == x";

    [PythonTheory]
    [InlineData("""{"kind":"python","tests":"assert (("}""", "verifier.tests", "'(' was never closed")]
    [InlineData("""{"kind":"python","tests":"return 1"}""", "verifier.tests", "'return' outside function")]
    [InlineData("""{"kind":"p3","sat":""}""", "verifier.sat", "defines no `sat`")]
    [InlineData("""{"kind":"p3","sat":"x = 1"}""", "verifier.sat", "defines no `sat`")]
    [InlineData("""{"kind":"p3","sat":"def sat(x:"}""", "verifier.sat", "does not compile")]
    [InlineData("""{"kind":"p3","sat":"from __future__ import annotations\ndef sat(x: int):\n    return True"}""", "verifier.sat", "beginning of the file")]
    [InlineData("""{"kind":"p3","sat":"def sat(x):\n    return x == x","answerType":"Lsit[int]"}""", "verifier.answerType", "'Lsit'")]
    [InlineData("""{"kind":"p3","sat":"def sat(x):\n    return x == x","answerType":"List["}""", "verifier.answerType", "does not compile")]
    [InlineData("""{"kind":"p3","sat":"def sat(x):\n    return x == x","answerType":"List[int, str]"}""", "verifier.answerType", "Too many arguments")]
    [InlineData("""{"kind":"p3","sat":"def sat(x):\n    return x == x","answerType":"Dict[str, int]"}""", "verifier.answerType", "'Dict'")]
    public async Task CodeThatCanNeverWorkIsRefusedNamingTheField(string json, string field, string problem)
    {
        var factory = new VerifierFactory(Sandboxes.AsTheServiceRunsIt);
        using var document = JsonDocument.Parse(json);
        var error = await Assert.ThrowsAsync<VerifierSpecException>(() => factory.CreateAsync(document.RootElement));
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
    }

    [PythonTheory]
    [InlineData("""{"kind":"python","tests":"def check(candidate):\n    assert candidate(1) == 2\n","entryPoint":"f"}""")]
    [InlineData("""{"kind":"p3","sat":"def sat(x: int):\n    return x > 3"}""")]
    [InlineData("""{"kind":"p3","sat":"def sat(x):\n    return x == x","answerType":"List[List[int]]"}""")]
    [InlineData("""{"kind":"p3","sat":"from typing import Dict\ndef sat(x):\n    return x == x","answerType":"Dict[str, int]"}""")]
    [InlineData("""{"kind":"p3","sat":"class Point:\n    pass\ndef sat(x):\n    return x == x","answerType":"Point"}""")]
    [InlineData("""{"kind":"p3","sat":"if True:\n    def sat(x):\n        return True","answerType":"int | str"}""")]
    public async Task WorkingCodeIsAccepted(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.NotNull(await new VerifierFactory(Sandboxes.AsTheServiceRunsIt).CreateAsync(document.RootElement));
    }

    [PythonTheory]
    [InlineData(Sat, "Lsit[int]")]
    [InlineData(Sat, "List[")]
    [InlineData("def sat(x: 'Lsit[int]'):\n    return x == x", null)]
    public async Task AnAnswerTypeTheHarnessCannotEvaluateIsAVerifierErrorNotASkippedCheck(string sat, string? answerType)
    {
        // Built without the factory's check, as a spec stored before it would be: the harness must not let 1 pass.
        var verifier = new P3Verifier(new P3Spec(sat, answerType), Sandboxes.AsTheServiceRunsIt);
        var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf("1"));
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("cannot be evaluated", verdict.Feedback);
    }

    [PythonFact]
    public async Task SatsOwnAnnotationIsStillChecked()
    {
        var verifier = new P3Verifier(new P3Spec("def sat(x: List[int]):\n    return True"), Sandboxes.AsTheServiceRunsIt);
        Assert.Equal(VerdictStatus.Wrong, (await verifier.VerifyAsync(Sandboxes.AttemptOf("1"))).Status);
        Assert.True((await verifier.VerifyAsync(Sandboxes.AttemptOf("[1, 2]"))).Passed);
    }
}
