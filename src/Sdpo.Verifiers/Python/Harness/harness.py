# Runs one candidate inside the sandbox and reports through a private result file.
# The host trusts only a result that carries the per-run nonce; anything the candidate prints is
# just output. Read by the host as an embedded resource and passed to `python3 -I -c`.
import ast
import json
import linecache
import operator
import os
import sys
import traceback

_MAX_REPR = 400
_USER_FILES = ("<solution>", "<tests>", "<sat>")


def _short(value):
    try:
        text = repr(value)
    except BaseException as error:  # a hostile __repr__ must not break reporting
        text = "<unprintable %s: %s>" % (type(value).__name__, type(error).__name__)
    if len(text) > _MAX_REPR:
        text = text[:_MAX_REPR] + "... (%d chars)" % len(text)
    return text


def _register_source(filename, source):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _format_syntax_error(error, what):
    lines = ["%s: %s (%s, line %s)" % (type(error).__name__, error.msg, what, error.lineno)]
    if error.text:
        lines.append("    " + error.text.rstrip("\n"))
        if error.offset:
            lines.append("    " + " " * max(error.offset - 1, 0) + "^")
    return "\n".join(lines)


def _user_traceback(error, limit=8):
    """The traceback restricted to the candidate's and the tests' own frames."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in _USER_FILES]
    frames = frames[-limit:]
    lines = ["Traceback (most recent call last):"] if frames else []
    for frame in frames:
        lines.append('  File "%s", line %s, in %s' % (frame.filename, frame.lineno, frame.name))
        if frame.line:
            lines.append("    " + frame.line.strip())
    lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(type(error), error))
    return "\n".join(lines)


def _innermost_user_file(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in _USER_FILES]
    return frames[-1] if frames else None


class CheckFailed(Exception):
    """Raised by a rewritten assert; carries the programmer-facing description."""

    def __init__(self, description):
        super().__init__(description)
        self.description = description


_OPERATORS = {
    "Eq": (operator.eq, "=="), "NotEq": (operator.ne, "!="), "Lt": (operator.lt, "<"),
    "LtE": (operator.le, "<="), "Gt": (operator.gt, ">"), "GtE": (operator.ge, ">="),
    "Is": (operator.is_, "is"), "IsNot": (operator.is_not, "is not"),
    "In": (lambda a, b: a in b, "in"), "NotIn": (lambda a, b: a not in b, "not in"),
}


class _Checks:
    """Runtime side of the assert rewriting: evaluates, counts and describes each check."""

    def __init__(self):
        self.sources = []
        self.executed = 0

    def _fail(self, index, details, message):
        source, line = self.sources[index]
        text = ["Failed check (test line %d): %s" % (line, source)] + details
        if message is not None:
            text.append("  message: %s" % (message,))
        raise CheckFailed("\n".join(text))

    def compare(self, left, right, op_name, actual_side, index, message):
        self.executed += 1
        function, _ = _OPERATORS[op_name]
        if function(left, right):
            return
        if actual_side == "left":
            details = ["  expected: " + _short(right), "  actual:   " + _short(left)]
        elif actual_side == "right":
            details = ["  expected: " + _short(left), "  actual:   " + _short(right)]
        else:
            details = ["  left:  " + _short(left), "  right: " + _short(right)]
        self._fail(index, details, message() if message else None)

    def truth(self, value, negated, index, message):
        self.executed += 1
        if bool(value) != negated:
            return
        self._fail(index, ["  value: " + _short(value)], message() if message else None)


def _has_call(node):
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


class _AssertRewriter(ast.NodeTransformer):
    """Turns `assert a == b, msg` into a call that reports both sides when the check fails."""

    def __init__(self, source, checks):
        self.source = source
        self.checks = checks

    def visit_Assert(self, node):
        text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        index = len(self.checks.sources)
        self.checks.sources.append((" ".join(text.split()), node.lineno))
        message = ast.Lambda(
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=node.msg) if node.msg is not None else ast.Constant(None)
        checks = ast.Name(id="__sdpo_checks__", ctx=ast.Load())
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = test.left, test.comparators[0]
            side = "left" if _has_call(left) and not _has_call(right) else (
                "right" if _has_call(right) and not _has_call(left) else "")
            call = ast.Call(func=ast.Attribute(value=checks, attr="compare", ctx=ast.Load()),
                            args=[left, right, ast.Constant(type(test.ops[0]).__name__),
                                  ast.Constant(side), ast.Constant(index), message], keywords=[])
        else:
            negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            value = test.operand if negated else test
            call = ast.Call(func=ast.Attribute(value=checks, attr="truth", ctx=ast.Load()),
                            args=[value, ast.Constant(negated), ast.Constant(index), message], keywords=[])
        return ast.copy_location(ast.Expr(value=call), node)


def _run_tests(job, namespace, report):
    code = job["code"]
    _register_source("<solution>", code)
    try:
        solution = compile(code, "<solution>", "exec")
    except (SyntaxError, ValueError) as error:
        report("compile-error", _format_syntax_error(error, "solution") if isinstance(error, SyntaxError)
               else "The solution does not compile: %s" % error)
    tests_source = job["tests"]
    _register_source("<tests>", tests_source)
    checks = _Checks()
    try:
        tree = _AssertRewriter(tests_source, checks).visit(ast.parse(tests_source, "<tests>"))
        tests = compile(ast.fix_missing_locations(tree), "<tests>", "exec")
    except SyntaxError as error:
        report("verifier-error", "The verifier's tests do not compile: " + _format_syntax_error(error, "tests"))

    try:
        exec(solution, namespace)
    except SystemExit as error:
        report("runtime-error", "The solution called exit(%s) before the tests ran." % (error.code,))
    except MemoryError as error:
        report("memory-limit", "MemoryError while loading the solution (memory limit).\n" + _user_traceback(error))
    except BaseException as error:
        report("runtime-error", "The solution raised an error when loaded:\n" + _user_traceback(error))

    namespace["__sdpo_checks__"] = checks
    entry_point = job.get("entryPoint")
    try:
        exec(tests, namespace)
        if entry_point:
            candidate = namespace.get(entry_point)
            if not callable(candidate):
                report("wrong", "The solution does not define a function named `%s`." % entry_point)
            check = namespace.get("check")
            if not callable(check):
                report("verifier-error", "The tests define no `check(candidate)` function to call with `%s`." % entry_point)
            check(candidate)
    except CheckFailed as failure:
        report("wrong", failure.description)
    except SystemExit as error:
        report("runtime-error", "exit(%s) was called during the tests." % (error.code,))
    except MemoryError as error:
        report("memory-limit", "MemoryError during the tests (memory limit).\n" + _user_traceback(error))
    except RecursionError as error:
        report("runtime-error", "RecursionError: maximum recursion depth exceeded.\n" + _user_traceback(error, 4))
    except BaseException as error:
        frame = _innermost_user_file(error)
        if frame is not None and frame.filename == "<tests>":
            report("wrong", "Error while checking (test line %s): %s\n%s" % (
                frame.lineno, (frame.line or "").strip(), _user_traceback(error)))
        test_frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<tests>"]
        where = ("The solution raised an error during the check at test line %s: %s\n" % (
            test_frames[-1].lineno, (test_frames[-1].line or "").strip())) if test_frames else ""
        report("runtime-error", where + _user_traceback(error))
    report("passed", "All %d checks passed." % checks.executed if checks.executed else "The tests ran without error.")


def _type_matches(value, annotation, namespace):
    """P3's answer-type check for the annotations its puzzles use (int, str, List[...], ...)."""
    try:
        expected = eval(annotation, namespace)
    except BaseException:
        return True  # an annotation we cannot evaluate is not the candidate's fault
    return _matches(value, expected)


def _matches(value, expected):
    origin = getattr(expected, "__origin__", None)
    if origin is list:
        (item,) = expected.__args__
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(expected, type):
        return isinstance(value, expected)
    return True


def _run_p3(job, report):
    sat_source = "from typing import List\n" + job["sat"]
    _register_source("<sat>", sat_source)
    sat_namespace = {"__name__": "puzzle"}
    try:
        exec(compile(sat_source, "<sat>", "exec"), sat_namespace)
    except BaseException as error:
        report("verifier-error", "The puzzle's sat function does not load: " + "".join(
            traceback.format_exception_only(type(error), error)).strip())
    sat = sat_namespace.get("sat")
    if not callable(sat):
        report("verifier-error", "The puzzle defines no `sat` function.")

    code = job["code"].strip()
    _register_source("<solution>", code)
    namespace = {"__name__": "solution"}
    exec("from typing import List", namespace)
    try:
        tree = ast.parse(code, "<solution>")
        defines_sol = any(isinstance(n, ast.FunctionDef) and n.name == "sol" for n in tree.body)
        if defines_sol:
            exec(compile(tree, "<solution>", "exec"), namespace)
            answer = namespace["sol"]()
        else:
            answer = eval(compile(code, "<solution>", "eval"), namespace)
    except SyntaxError as error:
        report("compile-error", "The answer is neither a Python expression nor a `def sol()`: "
               + _format_syntax_error(error, "answer"))
    except SystemExit as error:
        report("runtime-error", "The solution called exit(%s)." % (error.code,))
    except MemoryError as error:
        report("memory-limit", "MemoryError while computing the answer (memory limit).\n" + _user_traceback(error))
    except BaseException as error:
        report("runtime-error", "Computing the answer raised an error:\n" + _user_traceback(error))

    answer_type = job.get("answerType")
    if answer_type and not _type_matches(answer, answer_type, namespace):
        report("wrong", "The answer %s has type %s, but sat expects %s." % (_short(answer), type(answer).__name__, answer_type))
    try:
        verdict = sat(answer)
    except MemoryError as error:
        report("memory-limit", "MemoryError inside sat (memory limit).")
    except BaseException as error:
        report("wrong", "sat(answer) raised an error for answer %s:\n%s" % (_short(answer), _user_traceback(error)))
    if verdict is True:
        report("passed", "sat(answer) returned True.")
    report("wrong", "sat(answer) returned %s for answer %s." % (_short(verdict), _short(answer)))


def _main():
    job = json.loads(sys.stdin.read())
    sys.stdin.close()
    result = open(job.pop("resultPath"), "w", encoding="utf-8")
    secret = [job.pop("nonce")]

    def report(status, feedback):
        # Only the harness reaches this point with the nonce; os._exit skips the candidate's atexit hooks.
        sys.stdout.flush()
        sys.stderr.flush()
        result.seek(0)
        result.truncate()
        result.write(json.dumps({"nonce": secret[0], "status": status, "feedback": feedback}))
        result.flush()
        os._exit(0)

    if job["mode"] == "p3":
        _run_p3(job, report)
    _run_tests(job, {"__name__": "solution", "__builtins__": __builtins__}, report)


try:
    _main()
except BaseException:  # a harness failure is the verifier's, reported by the host from the missing result
    traceback.print_exc()
    os._exit(70)
