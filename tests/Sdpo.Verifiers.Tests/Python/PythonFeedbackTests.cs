using Sdpo.Contracts;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

public class PythonFeedbackTests
{
    private const string Adder = "def add(a, b):\n    return a + b\n";

    [PythonFact(needsBubblewrap: true)]
    public async Task PassingCodeIsSandboxedPass()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, Adder, "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n");
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.True(verdict.Sandboxed);
        Assert.Contains("2 checks", verdict.Feedback);
        Assert.True(verdict.Duration > TimeSpan.Zero);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task FailingAssertReportsExpectedAndActual()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "def add(a, b):\n    return a - b\n",
            "assert add(1, 1) == 0\nassert add(2, 3) == 5, 'adds'\n");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Contains("assert add(2, 3) == 5", verdict.Feedback);
        Assert.Contains("expected: 5", verdict.Feedback);
        Assert.Contains("actual:   -1", verdict.Feedback);
        Assert.Contains("message: adds", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task HumanEvalStyleCheckGetsTheEntryPoint()
    {
        const string tests = "def check(candidate):\n    assert candidate(2, 2) == 4\n    assert candidate(0, 5) == 6\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, Adder, tests, entryPoint: "add");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Contains("test line 3", verdict.Feedback);
        Assert.Contains("actual:   5", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task MissingEntryPointIsWrongWithItsName()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "def plus(a, b):\n    return a + b\n",
            "def check(candidate):\n    assert candidate(1, 1) == 2\n", entryPoint: "add");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Contains("`add`", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task ExceptionInTheSolutionIsRuntimeErrorWithTrimmedTraceback()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "def first(xs):\n    return xs[0]\n", "assert first([]) == None\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("IndexError: list index out of range", verdict.Feedback);
        Assert.Contains("File \"<solution>\", line 2, in first", verdict.Feedback);
        Assert.Contains("test line 1", verdict.Feedback);
        Assert.DoesNotContain("<string>", verdict.Feedback); // harness frames are trimmed away
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task SyntaxErrorIsCompileError()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "def add(a, b)\n    return a + b\n", "assert add(1, 2) == 3\n");
        Assert.Equal(VerdictStatus.CompileError, verdict.Status);
        Assert.Contains("SyntaxError", verdict.Feedback);
        Assert.Contains("line 1", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task BrokenTestsAreTheVerifiersFault()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, Adder, "assert add(1, 2) ==\n");
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task CodeIsTakenOutOfAMarkdownFenceAndStdoutTailIsShown()
    {
        const string answer = "Here you go:\n\n```python\ndef add(a, b):\n    print('adding', a, b)\n    return a * b\n```\nHope it helps.";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, answer, "assert add(2, 3) == 5\n");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Contains("actual:   6", verdict.Feedback);
        Assert.Contains("adding 2 3", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task InfiniteLoopTimesOutWithTheLimitInTheFeedback()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, "def spin():\n    while True:\n        pass\n", "spin()\n", timeoutSeconds: 1);
        Assert.Equal(VerdictStatus.Timeout, verdict.Status);
        Assert.Contains("time limit exceeded after 1.0 s", verdict.Feedback, StringComparison.OrdinalIgnoreCase);
    }
}
