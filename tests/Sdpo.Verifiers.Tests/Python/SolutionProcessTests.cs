using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>
/// The tests run in the checker's process and the solution in its own (harness.py). What tests commonly do with
/// a solution must still work across that boundary, and what the solution does to its process must still count.
/// </summary>
public class SolutionProcessTests
{
    public static TheoryData<string, string, string> WhatTestsDoWithASolution => new()
    {
        {
            "use a class of the solution: construct, call methods, read attributes, len()",
            "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n    def pop(self):\n        return self.items.pop()\n    def __len__(self):\n        return len(self.items)\n",
            "s = Stack()\ns.push(1)\ns.push(2)\nassert len(s) == 2\nassert s.pop() == 2\nassert s.items == [1]\nassert s\n"
        },
        {
            "see a list the solution sorted in place",
            "def sort_in_place(xs):\n    xs.sort()\n",
            "data = [3, 1, 2]\nsort_in_place(data)\nassert data == [1, 2, 3]\n"
        },
        {
            "pass a function to the solution",
            "def apply_twice(f, x):\n    return f(f(x))\n",
            "assert apply_twice(lambda v: v * 3, 2) == 18\n"
        },
        {
            "iterate over a generator",
            "def count_up(n):\n    for i in range(n):\n        yield i\n",
            "assert list(count_up(3)) == [0, 1, 2]\nassert sum(x for x in count_up(4)) == 6\n"
        },
        {
            "catch the solution's errors by their builtin type, its own subclasses included",
            "class Negative(ValueError):\n    pass\ndef check_positive(x):\n    if x < 0:\n        raise Negative('negative: %d' % x)\n    return x\n",
            "try:\n    check_positive(-1)\n    raise RuntimeError('no error')\nexcept ValueError as error:\n    assert 'negative: -1' in str(error)\n"
        },
        {
            "catch a failed assert as AssertionError",
            "def one():\n    return 1\n",
            "caught = False\ntry:\n    assert one() == 2\nexcept AssertionError:\n    caught = True\nassert caught\n"
        },
        {
            "get plain values back exactly: big ints, floats, tuples, sets, dicts, bytes",
            "import math\ndef values():\n    return (10 ** 5000, 0.1, math.inf, {1: 'a'}, {2, 3}, b'\\x00\\xff', None, True)\n",
            "import math\nbig, tenth, infinite, table, pair, raw, nothing, yes = values()\nassert big == 10 ** 5000\nassert tenth == 0.1\nassert math.isinf(infinite)\nassert table == {1: 'a'}\nassert pair == {2, 3}\nassert raw == b'\\x00\\xff'\nassert nothing is None and yes is True\nassert type(values()) is tuple\n"
        },
        {
            "get the standard library's containers and numbers back as themselves: Counter, defaultdict, OrderedDict, deque, namedtuple, Fraction, Decimal",
            "from collections import Counter, defaultdict, OrderedDict, deque, namedtuple\nfrom fractions import Fraction\nfrom decimal import Decimal\n"
                + "Point = namedtuple('Point', 'x y')\ndef values():\n    groups = defaultdict(list)\n    groups['a'].append(1)\n"
                + "    return Counter('aab'), groups, OrderedDict(b=2), deque([1, 2], maxlen=3), Point(1, 2), Fraction(1, 2), Decimal('0.1')\n",
            "from fractions import Fraction\nfrom decimal import Decimal\ncounts, groups, ordered, queue, point, half, tenth = values()\n"
                + "assert counts == {'a': 2, 'b': 1} and counts.most_common(1) == [('a', 2)]\nassert groups == {'a': [1]} and groups['new'] == []\n"
                + "assert list(ordered.items()) == [('b', 2)]\nassert list(queue) == [1, 2] and queue.maxlen == 3\n"
                + "assert point == (1, 2) and point.y == 2\nassert half == Fraction(1, 2) == 0.5\nassert tenth == Decimal('0.1')\n"
        },
        {
            "compare a value of a subclass of a builtin type by its value",
            "class Table(dict):\n    pass\ndef table():\n    return Table(a=1)\n",
            "assert table() == {'a': 1}\n"
        },
        {
            "read the solution's constants and the standard library functions it imported",
            "from math import sqrt\nLIMIT = 10\ndef root(x):\n    return sqrt(x)\n",
            "assert LIMIT == 10\nassert root(16) == sqrt(16) == 4.0\n"
        },
        {
            "get the same object back as the same object",
            "_registry = object()\ndef registry():\n    return _registry\n",
            "first = registry()\nassert registry() is first\n"
        },
        {
            "raise, catch and compare the solution's own exception classes",
            "class InsufficientFunds(ValueError):\n    pass\nclass Account:\n    def withdraw(self, amount):\n        raise InsufficientFunds('balance 0')\n",
            "account = Account()\ntry:\n    account.withdraw(5)\n    raise RuntimeError('no error')\nexcept InsufficientFunds as error:\n    assert str(error) == 'balance 0'\n"
                + "assert issubclass(InsufficientFunds, ValueError)\n"
        },
        {
            "check types with isinstance and issubclass, use a context manager, format an object",
            "class Shape:\n    pass\nclass Square(Shape):\n    def __format__(self, spec):\n        return 'square' + spec\n"
                + "    def __enter__(self):\n        return 4\n    def __exit__(self, *exception):\n        return False\n",
            "square = Square()\nassert isinstance(square, Shape) and not isinstance(5, Shape)\nassert issubclass(Square, Shape)\n"
                + "assert f'{square:>2}' == 'square>2'\nwith square as sides:\n    assert sides == 4\n"
        },
        {
            "pass a range and dates, and see a list passed by keyword filled in place",
            "import datetime\ndef total(r):\n    return sum(r)\ndef next_day(d):\n    return d + datetime.timedelta(days=1)\ndef fill(xs):\n    xs.append(1)\n",
            "import datetime\nassert total(range(10)) == 45\nassert next_day(datetime.date(2020, 1, 31)) == datetime.date(2020, 2, 1)\n"
                + "items = []\nfill(xs=items)\nassert items == [1]\n"
        },
        {
            "run unittest cases with unittest.main()",
            "def add(a, b):\n    return a + b\n",
            "import unittest\nclass AddTests(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\nunittest.main()\n"
        },
        {
            "import the solution as a module, and compare dict views with sets",
            "def add(a, b):\n    return a + b\ndef keys():\n    return {'a': 1, 'b': 2}.keys()\n",
            "from solution import add as plus\nimport solution\nassert plus(1, 2) == 3 and solution.add(2, 2) == 4\nassert keys() == {'a', 'b'}\n"
        },
        {
            "write pytest test classes and async tests",
            "def add(a, b):\n    return a + b\n",
            "class TestAdd:\n    def test_small(self):\n        assert add(1, 2) == 3\nasync def test_async():\n    assert add(2, 2) == 4\n"
        },
        {
            "write pytest classes with setup_method, keep test data in a Test* dataclass, and await the solution's coroutines",
            "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\nasync def inc(x):\n    return x + 1\n",
            "from dataclasses import dataclass\n@dataclass\nclass TestData:\n    value: int\nclass TestStack:\n    def setup_method(self, method):\n        self.stack = Stack()\n"
                + "    def test_push(self):\n        self.stack.push(TestData(1).value)\n        assert self.stack.items == [1]\n    def test_fresh(self):\n        assert self.stack.items == []\n"
                + "async def test_inc():\n    assert await inc(1) == 2\n"
        },
        {
            "take a name from the solution, run a solution's coroutine with asyncio.run, use pytest's setup hooks and test data held in a class",
            "async def inc(x):\n    return x + 1\ndef add(a, b):\n    return a + b\n",
            "import asyncio\nfrom solution import add\nstate = {}\ndef setup_module(module):\n    state['module'] = True\n"
                + "def test_inc():\n    assert asyncio.run(inc(1)) == 2 and state['module']\n"
                + "class TestAdd:\n    cases = [(1, 2, 3)]\n    test_cases = [(2, 2, 4)]\n    @classmethod\n    def setup_class(cls):\n        cls.ready = True\n"
                + "    def test_add(self):\n        assert self.ready\n        for a, b, total in self.cases + self.test_cases:\n            assert add(a, b) == total\n"
        },
        {
            "run beside a solution whose own names look like test hooks and tests (setup_module, testError)",
            "def setup_module(module):\n    raise RuntimeError('not a hook of the tests')\nclass testError(Exception):\n    pass\ndef add(a, b):\n    return a + b\n",
            "def test_add():\n    assert add(1, 2) == 3\n"
        },
        {
            "compare dict values as Python does",
            "def values():\n    return {1: 'a', 2: 'b'}.values()\n",
            "assert not isinstance(values(), list)\nassert list(values()) == ['a', 'b']\n"
        },
        {
            "leave pytest functions for the runner to call",
            "def add(a, b):\n    return a + b\n",
            "def test_add():\n    assert add(1, 2) == 3\n"
        },
        {
            "run with a solution that closed its stdout",
            "import sys\nsys.stdout.close()\ndef one():\n    return 1\n",
            "assert one() == 1\n"
        },
    };

    [PythonTheory]
    [MemberData(nameof(WhatTestsDoWithASolution))]
    public async Task TestsUseTheSolutionAsIfItWereInTheirInterpreter(string what, string code, string tests)
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, tests);
        Assert.True(verdict.Passed, $"{what}: {verdict.Status} {verdict.Feedback}");
    }

    [PythonFact]
    public async Task ACheckFunctionWithoutAnEntryPointIsTheVerifiersError()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, "def add(a, b):\n    return a + b\n",
            "def check(candidate):\n    assert candidate(1, 2) == 3\n");
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("entryPoint", verdict.Feedback);
    }

    [PythonFact]
    public async Task TestsBuildTheSolutionsObjectsFromAClassOfThePrefix()
    {
        // LeetCode-style: the prompt defines ListNode (and a helper that builds lists of it); the tests build lists, by hand
        // and through the helper, and pass them to the solution.
        const string prompt = "class ListNode:\n    def __init__(self, val=0, next=None):\n        self.val = val\n        self.next = next\n\n\n"
            + "def build(values):\n    head = None\n    for value in reversed(values):\n        head = ListNode(value, head)\n    return head\n\n\n"
            + "def reverse(head):\n    \"\"\"The list backwards.\"\"\"\n"; // a docstring, as prompts have: the prompt compiles alone
        const string body = "    previous = None\n    while head:\n        head.next, previous, head = previous, head, head.next\n    return previous\n";
        const string tests = "def test_reverse():\n    head = reverse(ListNode(1, ListNode(2, ListNode(3))))\n    values = []\n"
            + "    while head:\n        values.append(head.val)\n        head = head.next\n    assert values == [3, 2, 1]\n"
            + "def test_through_the_prompts_helper():\n    assert reverse(build([4, 5])).val == 5\n";
        var verdict = await new PythonVerifier(new PythonSpec(tests, Prefix: prompt), Sandboxes.AsTheServiceRunsIt).VerifyAsync(Sandboxes.AttemptOf(body));
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    [PythonFact]
    public async Task TestsThatImportWhatTheSandboxLacksAreTheVerifiersError()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, "def add(a, b):\n    return a + b\n",
            "import pytest\ndef test_add():\n    assert add(1, 2) == 3\n");
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("import pytest", verdict.Feedback);
    }

    [PythonFact]
    public async Task ExitDuringACheckFailsEvenWhenTheTestsSwallowIt()
    {
        const string code = "import sys\ndef add(a, b):\n    sys.exit(3)\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, "try:\n    add(1, 2)\nexcept:\n    pass\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("exit(3) was called during the tests", verdict.Feedback);
    }

    [PythonFact]
    public async Task AHardExitDuringACheckIsNotAPass()
    {
        const string code = "import os\ndef add(a, b):\n    os._exit(0)\n";
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt, code, "assert add(1, 2) == 3\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("before the checks finished", verdict.Feedback);
    }

    [PythonFact]
    public async Task FeedbackIsCappedWhateverTheErrorMessage()
    {
        var verdict = await Sandboxes.RunPython(Sandboxes.AsTheServiceRunsIt,
            "def f():\n    raise ValueError('y' * 200000 + '\\ud800')\n", "f()\n");
        Assert.Equal(VerdictStatus.RuntimeError, verdict.Status);
        Assert.Contains("ValueError: yyy", verdict.Feedback);
        Assert.Contains("characters left out", verdict.Feedback);
        Assert.True(verdict.Feedback.Length < 10_000, $"{verdict.Feedback.Length} characters");
    }

    [PythonFact]
    public async Task AP3AnswerWithANulByteIsACompileError()
    {
        var verifier = new P3Verifier(new P3Spec("def sat(s: str):\n    return True\n", "str"), Sandboxes.AsTheServiceRunsIt);
        var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf("'a'\0"));
        Assert.Equal(VerdictStatus.CompileError, verdict.Status);
        Assert.Contains("null bytes", verdict.Feedback);
    }
}
