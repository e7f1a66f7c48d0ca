using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>
/// Wrong answers that try to pass by tampering with the checks instead of solving the problem. A search that
/// keeps sampling until the verifier says yes finds such answers if they work, so none may. Each row was a
/// pass when the candidate shared an interpreter with its tests.
/// </summary>
public class GamingAttemptTests
{
    private const string AddTests = "assert add(1, 2) == 3\nassert add(2, 2) == 4\n";

    public static TheoryData<string, string> TamperingWithTheTests => new()
    {
        {
            "calling the harness's reporting function through the caller's frame",
            "def add(a, b):\n    return 0\nimport sys\nsys._getframe(1).f_locals['report']('passed', 'All 2 checks passed.')\n"
        },
        {
            "replacing exec, so that the tests never run",
            "import builtins\nbuiltins.exec = lambda *args, **kwargs: None\ndef add(a, b):\n    return 0\n"
        },
        {
            "patching the rewritten asserts' comparison",
            "import __main__\n__main__._Checks.compare = __main__._Checks.truth = lambda *args: None\ndef add(a, b):\n    return 0\n"
        },
        {
            "patching operator.eq",
            "import operator\noperator.eq = lambda a, b: True\ndef add(a, b):\n    return 0\n"
        },
        {
            "returning an object that equals everything",
            "class Anything:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Anything()\n"
        },
        {
            "raising SystemExit(0) from inside a check",
            "def add(a, b):\n    raise SystemExit(0)\n"
        },
    };

    [PythonTheory]
    [MemberData(nameof(TamperingWithTheTests))]
    public async Task TamperingWithTheTestsIsNotAPass(string how, string code)
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, AddTests);
        Assert.False(verdict.Passed, $"{how}: {verdict.Feedback}");
    }

    public static TheoryData<string, string, string, string?> TurningTheTestsAgainstThemselves => new()
    {
        {
            "handing the checker's own exec back through a round trip and calling it to switch the checks off",
            "def encode_cyclic(s):\n    return exec\ndef decode_cyclic(s):\n"
                + "    s('[_Checks._OPERATORS.__setitem__(k, lambda a, b: True) for k in list(_Checks._OPERATORS)]')\n    return ''\n",
            "def check(candidate):\n    assert candidate(encode_cyclic('abc')) == 'abc'\n    assert 1 == 2\n",
            "decode_cyclic"
        },
        {
            "calling the checker's eval through a function the tests pass in",
            "def my_map(fn, xs):\n    return fn([eval])[0]('[1, 2, 3]')\n",
            "assert my_map(lambda x: x * 2, [1, 2, 3]) == [2, 4, 6]\n",
            null
        },
        {
            "returning unittest.mock.ANY, which equals everything, relabelled as a standard-library name",
            "import unittest.mock as _m\n_m.ANY.__module__ = 'unittest'\n_m.ANY.__qualname__ = 'mock.ANY'\ndef add(a, b):\n    return _m.ANY\n",
            AddTests,
            null
        },
        {
            "shadowing abs, which the tests compute with",
            "from math import sqrt\ndef abs(x):\n    return 0\ndef root(x):\n    return 1.0\n",
            "assert abs(root(2.0) - 1.41421356) < 1e-6\n",
            null
        },
        {
            "making ValueError mean BaseException, so the failed check is caught",
            "ValueError = BaseException\ndef f(x):\n    return x\n",
            "try:\n    f(-1)\n    assert False, 'no error'\nexcept ValueError:\n    pass\n",
            null
        },
        {
            "shadowing range, so a loop of checks runs no check",
            "def range(*args):\n    return []\ndef add(a, b):\n    return 0\n",
            "for i in range(3):\n    assert add(i, 1) == i + 1\n",
            null
        },
        {
            "raising StopIteration, which would end map() early as if it were done",
            "def is_prime(n):\n    raise StopIteration\n",
            "assert all(map(is_prime, [2, 3, 5]))\n",
            null
        },
        {
            "sending __builtins__ among its names, so that the tests compute with the solution's abs and range",
            "import sys\ndef mean(xs):\n    return 42.0\n_frame = sys._getframe()\nwhile 'self' not in _frame.f_locals:\n    _frame = _frame.f_back\n"
                + "_side = _frame.f_locals['self']\n_send = _side.channel.send\ndef _send_with_builtins(message):\n"
                + "    if isinstance(message.get('ok'), list):\n        message['ok'].append(['__builtins__', _side.encode({'abs': lambda x: 0, 'range': lambda *a: []})])\n"
                + "    return _send(message)\n_side.channel.send = _send_with_builtins\n",
            "assert abs(mean([1.0, 1.0]) - 1.0) < 1e-6\nfor i in range(3):\n    assert mean([i]) == i\n",
            null
        },
        {
            "nothing at all, against a pytest test class",
            "def add(a, b):\n    return 0\n",
            "class TestAdd:\n    def test_small(self):\n        assert add(1, 2) == 3\n",
            null
        },
        {
            "nothing at all, against an async test",
            "def add(a, b):\n    return 0\n",
            "async def test_add():\n    assert add(1, 2) == 3\n",
            null
        },
        {
            "passing the module-level assert, against tests whose test function holds the real check",
            "def add(a, b):\n    return 0\n",
            "assert add(0, 0) == 0\ndef test_add():\n    assert add(1, 2) == 3\n",
            null
        },
        {
            "nothing at all, against tests that check nothing",
            "def add(a, b):\n    return 0\n",
            "print(add(1, 2))\n",
            null
        },
        {
            "a fake math module whose isclose says yes, for tests that use the solution's imports",
            "class _Math:\n    def isclose(self, *args, **kwargs):\n        return True\nmath = _Math()\ndef volume(r):\n    return 1\n",
            "assert math.isclose(volume(10), 4188.790204786391, rel_tol=0.001)\n",
            null
        },
        {
            "the same fake module, and a test_f of its own, through `from solution import *`",
            "class _Math:\n    def isclose(self, *args, **kwargs):\n        return True\nmath = _Math()\ndef f(x):\n    return 0\ndef test_f():\n    pass\n",
            "import math\nfrom solution import *\ndef test_f():\n    assert math.isclose(f(2), 4.0)\n",
            null
        },
        {
            "a Counter of its own that equals everything, through the tests' `from collections import *` and `from solution import *`",
            "class Counter:\n    def __init__(self, *args):\n        pass\n    def __eq__(self, other):\n        return True\ndef count(s):\n    return 0\n",
            "from collections import *\nfrom solution import *\ndef test_count():\n    assert Counter(count('aab')) == Counter({'a': 2, 'b': 1})\n",
            null
        },
        {
            "nothing at all, against a decorated test that a runner would run",
            "def add(a, b):\n    return 0\n",
            "from unittest import mock\n@mock.patch('os.getcwd', return_value='x')\ndef test_add(getcwd):\n    assert add(1, 2) == 3\ndef test_trivial():\n    assert True\n",
            null
        },
        {
            "nothing at all, against a yield test",
            "def add(a, b):\n    return 0\n",
            "def check_add(a, b, total):\n    assert add(a, b) == total\ndef test_add():\n    yield check_add, 1, 2, 3\n",
            null
        },
        {
            "swallowing the failure of unittest's assertEqual inside a function the tests pass in",
            "def visit(xs, callback):\n    for x in xs:\n        try:\n            callback(x)\n        except Exception:\n            pass\n    return 'ok'\n",
            "import unittest\nclass VisitTests(unittest.TestCase):\n    def test_even(self):\n        def callback(x):\n            self.assertEqual(x % 2, 0)\n"
                + "        self.assertEqual(visit([1, 3], callback), 'ok')\n",
            null
        },
        {
            "nothing at all, against tests that only define pytest functions",
            "def add(a, b):\n    return 0\n",
            "def test_add():\n    assert add(1, 2) == 3\n",
            null
        },
        {
            "nothing at all, against unittest cases behind a __main__ guard",
            "def add(a, b):\n    return 0\n",
            "import unittest\nclass AddTests(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n"
                + "if __name__ == '__main__':\n    unittest.main()\n",
            null
        },
    };

    [PythonTheory]
    [MemberData(nameof(TurningTheTestsAgainstThemselves))]
    public async Task TurningTheTestsAgainstThemselvesIsNotAPass(string how, string code, string tests, string? entryPoint)
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, tests, entryPoint);
        Assert.False(verdict.Passed, $"{how}: {verdict.Feedback}");
    }

    [PythonFact]
    public async Task RedefiningTheProblemsOwnHelpersIsNotAPass()
    {
        // HumanEval/38's tests check decode_cyclic against the prompt's encode_cyclic; an attempt that redefines it
        // as the identity makes `return s` look right unless the tests use the prompt's own.
        const string prompt = "def encode_cyclic(s: str):\n    groups = [s[(3 * i):min((3 * i + 3), len(s))] for i in range((len(s) + 2) // 3)]\n"
            + "    groups = [(group[1:] + group[0]) if len(group) == 3 else group for group in groups]\n    return ''.join(groups)\n\n\n"
            + "def decode_cyclic(s: str):\n    \"\"\"Decodes what encode_cyclic made.\"\"\"\n";
        const string tests = "def check(candidate):\n    for s in ['abcdefgh', 'xyz']:\n        assert candidate(encode_cyclic(s)) == s\n";
        var verifier = new PythonVerifier(new PythonSpec(tests, "decode_cyclic", Prefix: prompt), Sandboxes.AsTheServiceRunsIt);
        var cheat = await verifier.VerifyAsync(Sandboxes.AttemptOf("    return s\ndef encode_cyclic(s):\n    return s\n"));
        Assert.Equal(VerdictStatus.Wrong, cheat.Status);
        var solved = await verifier.VerifyAsync(Sandboxes.AttemptOf("    return encode_cyclic(encode_cyclic(s))\n"));
        Assert.True(solved.Passed, solved.Feedback);
    }

    [PythonFact]
    public async Task InterruptingTheCheckerIsNotAPass()
    {
        // Same uid: the solution may signal the checker. SIGINT, sent all through the run, once raised KeyboardInterrupt
        // wherever the checker was; inside running the prefix, it fell back to the solution's redefined helper.
        const string prompt = "def double(x):\n    return 2 * x\n\n\ndef halve(y):\n    \"\"\"Undoes double.\"\"\"\n";
        const string cheat = "    return y\nimport os, signal, threading, time\ndef double(x):\n    return x\n"
            + "def _interrupt():\n    end = time.monotonic() + 2\n    while time.monotonic() < end:\n        os.kill(os.getppid(), signal.SIGINT)\n"
            + "threading.Thread(target=_interrupt, daemon=True).start()\n";
        const string tests = "def check(candidate):\n    for x in range(50):\n        assert candidate(double(x)) == x\n";
        var verifier = new PythonVerifier(new PythonSpec(tests, "halve", Prefix: prompt), Sandboxes.AsTheServiceRunsIt);
        var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf(cheat));
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
    }

    [PythonFact]
    public async Task AnObjectWhoseValueChangesEachTimeItIsReadIsNotAPass()
    {
        // HumanEval/32: poly converts the answer once per coefficient; an answer that gives -c0/c1 the second time and 0
        // otherwise makes every polynomial come out 0 without finding a zero.
        const string prompt = "import math\n\n\ndef poly(xs: list, x: float):\n    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])\n\n\n"
            + "def find_zero(xs: list):\n    \"\"\"A zero of the polynomial.\"\"\"\n";
        const string cheat = "    return _Shifty(list(xs))\nclass _Shifty:\n    def __init__(self, xs):\n        self.xs, self.reads = xs, 0\n"
            + "    def __float__(self):\n        self.reads += 1\n        return -self.xs[0] / self.xs[1] if self.reads == 2 else 0.0\n";
        const string tests = "def check(candidate):\n    import math\n    for coeffs in ([1, 2], [-6, 11, -6, 1], [3, -4, 1, 2]):\n"
            + "        assert math.fabs(poly(coeffs, candidate(list(coeffs)))) < 1e-4\n";
        var verifier = new PythonVerifier(new PythonSpec(tests, "find_zero", Prefix: prompt), Sandboxes.AsTheServiceRunsIt);
        var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf(cheat));
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task ClaimingTheSandboxFailedIsNotBelieved()
    {
        // A verifier error blames the service, is not cached, and misleads operators: only a real bwrap failure is one.
        const string code = "import os, signal, sys\nsys.stderr.write('bwrap: a fake failure\\n')\nsys.stderr.flush()\nos.kill(os.getppid(), signal.SIGKILL)\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, AddTests);
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
    }

    [PythonFact]
    public async Task AnObjectThatChoosesWhatTheTestsComputeWithItIsNotAPass()
    {
        // `abs(result - expected) < tolerance` passes for any object whose __sub__ returns 0 if the object computes it.
        const string code = "class Zero:\n    def __sub__(self, other):\n        return 0\n    __rsub__ = __sub__\ndef add(a, b):\n    return Zero()\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, "assert abs(add(1, 2) - 3) < 1e-9\n");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Contains("the solution would choose the result", verdict.Feedback);
    }

    [PythonFact(needsBubblewrap: true)]
    public async Task TheSolutionCannotReadTheCheckersMemoryWhereTheKeyIs()
    {
        const string code = "import os\ndef probe():\n    try:\n        with open('/proc/%d/mem' % os.getppid(), 'rb'):\n"
            + "            return 'opened'\n    except OSError as error:\n        return type(error).__name__\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.Sandboxed, code, "assert probe() == 'PermissionError'\n");
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    public static TheoryData<string, string, string, string> TamperingWithSat => new()
    {
        {
            "replacing the builtins sat calls",
            "def sol():\n    import builtins\n    builtins.all = lambda *args: True\n    builtins.len = lambda *args: 5\n    return []\n",
            "def sat(x: List[int]):\n    return len(x) == 5 and all(i > 0 for i in x)\n",
            "List[int]"
        },
        {
            "a str subclass whose count says what sat wants",
            "def sol():\n    class Liar(str):\n        def count(self, *args):\n            return 99\n    return Liar('a')\n",
            "def sat(s: str):\n    return s.count('b') == 99\n",
            "str"
        },
        {
            "an object that equals everything",
            "def sol():\n    class Anything:\n        def __eq__(self, other):\n            return True\n    return Anything()\n",
            "def sat(x: List[int]):\n    return x == [1, 2, 3]\n",
            ""
        },
        {
            "an answer of another type than sat's own annotation, with no answer type in the spec",
            "def sol():\n    return 1.5\n",
            "def sat(x: int):\n    return 2 * x == 3\n",
            ""
        },
        {
            "objects that equal everything inside a list, with no answer type to check",
            "def sol():\n    class Anything:\n        def __eq__(self, other):\n            return True\n    return [Anything(), Anything()]\n",
            "def sat(x):\n    return len(x) == 2 and x[0] == 5 and x[1] == 7\n",
            ""
        },
    };

    [PythonTheory]
    [MemberData(nameof(TamperingWithSat))]
    public async Task TamperingWithSatIsNotAPass(string how, string code, string sat, string answerType)
    {
        var verifier = new P3Verifier(new P3Spec(sat, answerType.Length > 0 ? answerType : null), Sandboxes.AsTheServiceRunsIt);
        var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf(code));
        Assert.False(verdict.Passed, $"{how}: {verdict.Feedback}");
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
    }
}
