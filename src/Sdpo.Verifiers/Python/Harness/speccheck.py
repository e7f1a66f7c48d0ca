# Checks a python or p3 spec's code when it is submitted, so that a spec that can never work is refused (400) instead
# of failing every attempt. It only compiles: no code of the spec runs, apart from evaluating an answer type made of
# nothing but names, subscripts and `|` (List[int], Dict[str, int]), which calls nothing of the spec's.
# Reads {"mode": "tests"|"p3", ...} on stdin; prints {"field": ..., "problem": ...}, field null when the spec is fine.
import ast
import builtins
import json
import sys
import typing


def _syntax_text(error, what):
    if not isinstance(error, SyntaxError):
        return "%s: %s (%s)" % (type(error).__name__, error, what)
    where = "%s, line %s" % (what, error.lineno) if error.lineno else what
    lines = ["%s: %s (%s)" % (type(error).__name__, error.msg, where)]
    if error.text:
        lines.append("    " + error.text.rstrip("\n"))
        if error.offset:
            lines.append("    " + " " * max(error.offset - 1, 0) + "^")
    return "\n".join(lines)


def _compile(source, what, mode="exec", preamble=""):
    """Its syntax tree and code; the code compiled after `preamble` as the harness does (sat follows an import line)."""
    try:
        tree = compile(source, "<%s>" % what, mode, flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        raise _Problem(what, "does not compile: " + _syntax_text(error, what))
    try:
        return tree, compile(preamble + source, "<%s>" % what, mode, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        if isinstance(error, SyntaxError) and error.lineno:
            error.lineno = max(error.lineno - preamble.count("\n"), 1)
        raise _Problem(what, "does not compile: " + _syntax_text(error, what))


class _Problem(Exception):
    def __init__(self, field, problem):
        super().__init__(problem)
        self.field, self.problem = field, problem


def _module_names(tree):
    """Names the module binds when it runs (not inside its functions or classes); None when it star-imports."""
    names = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue  # their bodies bind their own names (decorators and defaults bind none worth knowing)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.MatchAs) and node.name or isinstance(node, ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            pending.extend(ast.iter_child_nodes(node))
    return names


_TYPE_NODES = (ast.Expression, ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant,
               ast.BinOp, ast.BitOr)


def _check_answer_type(text, sat_names):
    tree, code = _compile(text, "answerType", "eval")
    # The harness evaluates it where `sat` was defined: the builtins, `List`, and what the puzzle binds.
    known = set(dir(builtins)) | {"List"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in known and (sat_names is not None and node.id not in sat_names):
            raise _Problem("answerType", "names '%s', which is not defined where sat is: the harness knows the builtins, "
                                         "List, and what the puzzle defines or imports (from typing import Dict, ...)" % node.id)
    own = sat_names is None or any(isinstance(n, ast.Name) and n.id in sat_names and n.id not in known for n in ast.walk(tree))
    if own or not all(isinstance(n, _TYPE_NODES) for n in ast.walk(tree)) or any(
            isinstance(n, ast.BinOp) and not isinstance(n.op, ast.BitOr) for n in ast.walk(tree)):
        return  # it needs the puzzle's own definitions, or is more than a type expression: only the harness can evaluate it
    try:
        eval(code, {"__builtins__": builtins, "List": typing.List})
    except Exception as error:
        raise _Problem("answerType", "cannot be evaluated: %s: %s" % (type(error).__name__, error))


def _check(job):
    if job["mode"] == "tests":
        _compile(job["tests"], "tests")
        return
    tree, _ = _compile(job["sat"], "sat", preamble="from typing import List\n")
    names = _module_names(tree)
    if names is not None and "sat" not in names:
        raise _Problem("sat", "defines no `sat` function: it must hold a top-level `def sat(answer): ...`")
    if job.get("answerType"):
        _check_answer_type(job["answerType"], names)


def _main():
    sys.setrecursionlimit(2000)
    job = json.loads(sys.stdin.read())
    try:
        _check(job)
        answer = {"field": None, "problem": None}
    except _Problem as problem:
        answer = {"field": problem.field, "problem": problem.problem}
    sys.stdout.write(json.dumps(answer))


_main()
