# Checks one candidate inside the sandbox. Read by the host as an embedded resource and run as `python3 -I -c`.
#
# Two processes, because code that shares an interpreter with its checks can rewrite them (patch builtins, call
# the reporting function through frame introspection, ...):
# - the checker (this process) compiles and runs the tests and P3's `sat`, and alone knows the per-run key
#   that signs the result the host trusts;
# - the solution process, forked before the key is read, runs the candidate's code and answers the checker's
#   requests: call a function, read an attribute, apply an operator. Plain values (numbers, strings, bytes,
#   lists, tuples, dicts, sets, None) cross between the two as copies, so every comparison a test makes runs
#   in the checker on genuine builtin values; anything else stays in the solution process behind a handle.
# The checker is made non-dumpable, so the solution process (same uid, no capabilities) cannot read its memory.
import ast
import hashlib
import hmac
import importlib
import json
import linecache
import operator
import os
import signal
import sys
import traceback

_MAX_REPR = 400
_MAX_FEEDBACK = 8000
_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
_MAX_DEPTH = 100
_USER_FILES = ("<solution>", "<tests>", "<sat>")


# ----------------------------------------------------------------------------------------------------------
# Formatting, shared by both processes
# ----------------------------------------------------------------------------------------------------------

def _short(value):
    try:
        text = repr(value)
    except BaseException as error:  # a hostile __repr__ must not break reporting
        text = "<unprintable %s: %s>" % (type(value).__name__, type(error).__name__)
    if not isinstance(text, str):
        text = "<unprintable %s>" % type(value).__name__
    if len(text) > _MAX_REPR:
        text = text[:_MAX_REPR] + "... (%d chars)" % len(text)
    return text


def _register_source(filename, source):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _format_syntax_error(error, what):
    where = "%s, line %s" % (what, error.lineno) if error.lineno else what
    lines = ["%s: %s (%s)" % (type(error).__name__, error.msg, where)]
    if error.text:
        lines.append("    " + error.text.rstrip("\n"))
        if error.offset:
            lines.append("    " + " " * max(error.offset - 1, 0) + "^")
    return "\n".join(lines)


def _user_frames(error):
    return [f for f in traceback.extract_tb(error.__traceback__) if f.filename in _USER_FILES]


def _user_traceback(error, limit=8):
    """The traceback restricted to the candidate's and the tests' own frames."""
    frames = _user_frames(error)[-limit:]
    lines = ["Traceback (most recent call last):"] if frames else []
    for frame in frames:
        lines.append('  File "%s", line %s, in %s' % (frame.filename, frame.lineno, frame.name))
        if frame.line:
            lines.append("    " + frame.line.strip())
    try:
        lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(type(error), error))
    except BaseException:
        lines.append(type(error).__name__)
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------
# Values on the wire
# ----------------------------------------------------------------------------------------------------------

class _Unsendable(Exception):
    pass


def _encode(value, other, depth=0):
    """Plain values as tagged JSON; `other(value)` encodes anything else (a handle, or an error)."""
    if depth > _MAX_DEPTH:
        raise _Unsendable("a value nested more than %d levels deep" % _MAX_DEPTH)
    kind = type(value)
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", hex(value)]  # hex has no digit limit, unlike str(int)
    if kind is float:
        return ["float", value.hex()]
    if kind is complex:
        return ["complex", value.real.hex(), value.imag.hex()]
    if kind is str:
        return ["str", value]
    if kind is bytes:
        return ["bytes", value.hex()]
    if kind is bytearray:
        return ["bytearray", value.hex()]
    if kind in (list, tuple, set, frozenset):
        return [kind.__name__, [_encode(item, other, depth + 1) for item in value]]
    if kind is dict:
        return ["dict", _encode_items(dict.items(value), other, depth)]
    library = _encode_library_value(value, kind, other, depth)
    if library is not None:
        return library
    for base, copy in _BUILTIN_COPIES:
        # A subclass of a builtin type crosses as its builtin value, read with the base type's own methods: what the
        # subclass overrides (count, __eq__, __iter__, ...) stays behind, and the checker compares genuine values.
        if isinstance(value, base):
            return _encode(copy(value), other, depth)
    return other(value)


def _encode_items(items, other, depth):
    return [[_encode(k, other, depth + 1), _encode(v, other, depth + 1)] for k, v in items]


_DICT_KEYS, _DICT_VALUES, _DICT_ITEMS = type({}.keys()), type({}.values()), type({}.items())

_BUILTIN_COPIES = (
    (int, int.__index__), (float, float.__float__), (complex, complex.__complex__), (str, str.__str__),
    (bytes, lambda v: bytes(memoryview(v))), (bytearray, lambda v: bytearray(memoryview(v))),
    (list, list.copy), (tuple, lambda v: tuple.__getitem__(v, slice(None))), (dict, dict.copy), (set, set.copy),
    (frozenset, lambda v: frozenset(set.union(set(), v))),
)


def _encode_library_value(value, kind, other, depth):
    """Standard-library values that solutions commonly return, rebuilt as the same type on the other side."""
    collections = sys.modules.get("collections")
    if collections is not None:
        if kind is collections.Counter:
            return ["Counter", _encode_items(dict.items(value), other, depth)]
        if kind is collections.OrderedDict:
            return ["OrderedDict", _encode_items(dict.items(value), other, depth)]
        if kind is collections.defaultdict:
            factory = value.default_factory
            return ["defaultdict", ["none"] if factory is None else _encode(factory, other, depth + 1),
                    _encode_items(dict.items(value), other, depth)]
        if kind is collections.deque:
            return ["deque", [_encode(item, other, depth + 1) for item in value], value.maxlen]
    if kind is range:
        return ["range", hex(value.start), hex(value.stop), hex(value.step)]
    if kind is _DICT_KEYS or kind is _DICT_ITEMS:
        # Set-like views compare with sets; rebuilt as views of a fresh dict of the same keys (and values).
        pairs = list(value) if kind is _DICT_ITEMS else [(key, None) for key in value]
        return ["dict_keys" if kind is _DICT_KEYS else "dict_items", [[_encode(k, other, depth + 1), _encode(v, other, depth + 1)] for k, v in pairs]]
    if kind is _DICT_VALUES:
        return ["dict_values", [_encode(item, other, depth + 1) for item in value]]
    datetime = sys.modules.get("datetime")
    if datetime is not None:
        if kind is datetime.timedelta:
            return ["timedelta", value.days, value.seconds, value.microseconds]
        if kind is datetime.date:
            return ["date", value.year, value.month, value.day]
        if kind is datetime.datetime and value.tzinfo is None:
            return ["datetime", value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
        if kind is datetime.time and value.tzinfo is None:
            return ["time", value.hour, value.minute, value.second, value.microsecond]
    fractions = sys.modules.get("fractions")
    if fractions is not None and kind is fractions.Fraction:
        return ["Fraction", hex(value.numerator), hex(value.denominator)]
    decimal = sys.modules.get("decimal")
    if decimal is not None and kind is decimal.Decimal:
        return ["Decimal", str(value)]
    fields = getattr(kind, "_fields", None) if isinstance(value, tuple) else None
    if (type(fields) is tuple and fields and all(type(f) is str and f.isidentifier() and not f.startswith("_") for f in fields)
            and len(fields) == tuple.__len__(value) and type(kind.__name__) is str and kind.__name__.isidentifier()):
        # A namedtuple: the other side makes its own class with the same name and fields.
        return ["namedtuple", kind.__name__, list(fields), [_encode(item, other, depth + 1) for item in tuple.__iter__(value)]]
    return None


def _decode(node, other):
    tag = node[0]
    if tag == "none":
        return None
    if tag == "bool":
        return bool(node[1])
    if tag == "int":
        return int(node[1], 16)
    if tag == "float":
        return float.fromhex(node[1])
    if tag == "complex":
        return complex(float.fromhex(node[1]), float.fromhex(node[2]))
    if tag == "str":
        return str(node[1])
    if tag == "bytes":
        return bytes.fromhex(node[1])
    if tag == "bytearray":
        return bytearray.fromhex(node[1])
    if tag == "list":
        return [_decode(item, other) for item in node[1]]
    if tag == "tuple":
        return tuple(_decode(item, other) for item in node[1])
    if tag == "set":
        return set(_decode(item, other) for item in node[1])
    if tag == "frozenset":
        return frozenset(_decode(item, other) for item in node[1])
    if tag == "dict":
        return {_decode(k, other): _decode(v, other) for k, v in node[1]}
    if tag in ("Counter", "OrderedDict", "defaultdict", "deque", "namedtuple"):
        collections = importlib.import_module("collections")
        if tag == "Counter":
            return collections.Counter({_decode(k, other): _decode(v, other) for k, v in node[1]})
        if tag == "OrderedDict":
            return collections.OrderedDict((_decode(k, other), _decode(v, other)) for k, v in node[1])
        if tag == "defaultdict":
            return collections.defaultdict(_decode(node[1], other), ((_decode(k, other), _decode(v, other)) for k, v in node[2]))
        if tag == "deque":
            return collections.deque((_decode(item, other) for item in node[1]), node[2])
        return _namedtuple_class(node[1], tuple(node[2]))(*(_decode(item, other) for item in node[3]))
    if tag == "range":
        return range(int(node[1], 16), int(node[2], 16), int(node[3], 16))
    if tag == "dict_values":
        return dict(enumerate(_decode(item, other) for item in node[1])).values()
    if tag in ("dict_keys", "dict_items"):
        rebuilt = {_decode(k, other): _decode(v, other) for k, v in node[1]}
        return rebuilt.keys() if tag == "dict_keys" else rebuilt.items()
    if tag in ("timedelta", "date", "datetime", "time"):
        numbers = [int(n) for n in node[1:]]
        return getattr(importlib.import_module("datetime"), tag)(*numbers)
    if tag == "Fraction":
        return importlib.import_module("fractions").Fraction(int(node[1], 16), int(node[2], 16))
    if tag == "Decimal":
        return importlib.import_module("decimal").Decimal(str(node[1]))
    return other(node)


_NAMEDTUPLES = {}


def _namedtuple_class(name, fields):
    if (name, fields) not in _NAMEDTUPLES:
        _NAMEDTUPLES[(name, fields)] = importlib.import_module("collections").namedtuple(name, fields)
    return _NAMEDTUPLES[(name, fields)]


class _ChannelBroken(BaseException):
    """The other process died or wrote something that is not a message (never caught by test code's `except Exception`)."""


class _Channel:
    """One JSON message per line, each way, over a pair of pipes."""

    def __init__(self, read_fd, write_fd):
        self._reader = os.fdopen(read_fd, "rb", buffering=1 << 16)
        self._write_fd = write_fd

    def send(self, message):
        data = (json.dumps(message, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._write_fd, view)
                view = view[written:]
        except OSError as error:
            raise _ChannelBroken("the pipe to the other process broke: %s" % error)

    def receive(self):
        try:
            line = self._reader.readline(_MAX_MESSAGE_BYTES + 1)
        except (OSError, ValueError) as error:
            raise _ChannelBroken("the pipe from the other process broke: %s" % error)
        if not line:
            raise _ChannelBroken("the other process ended")
        if len(line) > _MAX_MESSAGE_BYTES or not line.endswith(b"\n"):
            raise _ChannelBroken("a message over %d MiB" % (_MAX_MESSAGE_BYTES >> 20))
        try:
            message = json.loads(line)
        except ValueError:
            raise _ChannelBroken("something that is not a message")
        if not isinstance(message, dict):
            raise _ChannelBroken("something that is not a message")
        return message


# ----------------------------------------------------------------------------------------------------------
# The solution process
# ----------------------------------------------------------------------------------------------------------

_OPERATORS = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "matmul": operator.matmul,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift, "rshift": operator.rshift,
    "neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert,
    "contains": operator.contains, "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
    "len": len, "iter": iter, "next": next, "bool": bool, "hash": hash, "repr": repr, "str": str,
    "int": int, "float": float, "index": operator.index, "reversed": reversed, "round": round,
    "isinstance": isinstance, "issubclass": issubclass, "format": format,
    "await": lambda awaitable: importlib.import_module("asyncio").run(_awaited(awaitable)),
    "enter": lambda manager: manager.__enter__(), "exit": lambda manager: manager.__exit__(None, None, None),
}

import builtins as _builtins

_BUILTIN_ERRORS = {name: value for name, value in vars(_builtins).items()
                   if isinstance(value, type) and issubclass(value, BaseException)}


def _stdlib_reference(value):
    """(module, qualname) when `value` is that standard-library object (a builtin such as len or str.lower, math.sqrt,
    ...), which the checker passes to the solution by name: the solution's process uses its own copy."""
    module = getattr(value, "__module__", None)
    if module is None and isinstance(getattr(value, "__objclass__", None), type):
        module = value.__objclass__.__module__  # a method of a builtin type, such as str.lower
    name = getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or module not in sys.stdlib_module_names:
        return None
    try:
        found = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except BaseException:
        return None
    return (module, name) if found is value else None


class _SolutionSide:
    def __init__(self, channel):
        self.channel = channel
        self.handles = {}
        self.handle_of = {}  # id(object) -> handle; the objects stay alive in self.handles, so ids stay theirs

    def handle(self, item):
        if type(item) is _COROUTINE:
            # A real coroutine on the checker's side (asyncio.run needs one), awaiting this one here.
            return ["coroutine"] + self.handle(_AwaitableBox(item))[1:]
        handle = self.handle_of.get(id(item))
        if handle is None:
            handle = len(self.handles) + 1
            self.handles[handle] = item
            self.handle_of[id(item)] = handle
        try:
            callable_ = bool(callable(item))
        except BaseException:
            callable_ = False
        return ["handle", handle, _short_type(item), callable_]

    def encode(self, value):
        def other(item):
            if isinstance(item, _CheckerCallable):
                return ["callback", item.callback_id]
            if type(item) is type(sys) and type(item.__name__) is str and sys.modules.get(item.__name__) is item:
                return ["module", item.__name__]  # the checker imports its own copy, if it is a standard-library one
            if isinstance(item, type) and issubclass(item, BaseException) and _BUILTIN_ERRORS.get(item.__name__) is not item:
                # The solution's own exception class: the checker makes a class of the same name under the same
                # builtin base, so tests can raise it, catch it and compare it (`except InsufficientFunds`).
                return ["exception-class", self.handle(item)[1], _short_type_name(item), _builtin_base(item).__name__]
            # Everything else, standard-library functions and objects included, stays here behind a handle: the
            # checker must never hold a genuine object of its own that the solution chose (eval, mock.ANY, ...).
            return self.handle(item)
        try:
            return _encode(value, other)
        except _Unsendable:  # too deep (or cyclic) to copy: the checker gets a handle instead
            return self.handle(value)

    def written_back(self, args):
        """The list, dict, set and bytearray arguments after a call, which the solution may have changed in place."""
        return [self.encode(a) if type(a) in (list, dict, set, bytearray) else ["none"] for a in args]

    def decode(self, node):
        def other(item):
            if item[0] == "handle":
                return self.handles[item[1]]
            if item[0] == "callback":
                return _CheckerCallable(self, item[1])
            if item[0] == "stdlib":
                found = importlib.import_module(item[1])
                for part in item[2].split("."):
                    found = getattr(found, part)
                return found
            raise _ChannelBroken("an unknown value tag")
        return _decode(node, other)

    def failure(self, error):
        if isinstance(error, SystemExit):
            return {"exit": _short(error.code)}
        if isinstance(error, _ChannelBroken):
            raise error
        kind = type(error)
        base = _builtin_base(kind)
        try:
            args = self.encode(tuple(error.args))
        except BaseException:
            args = ["tuple", [["str", _safe_text(str(error) if base is not BaseException else "")]]]
        reply = {"type": base.__name__, "name": kind.__name__, "args": args, "text": _safe_text(_user_traceback(error))}
        if kind is not base:
            reply["class"] = self.encode(kind)
        return {"error": reply}

    def load(self, message):
        code = message["code"]
        _register_source("<solution>", code)
        namespace = {"__name__": "solution"}
        if message.get("mode") == "p3":
            exec("from typing import List", namespace)
            try:
                tree = ast.parse(code, "<solution>")
            except (SyntaxError, ValueError) as error:
                return {"compile": "The answer is neither a Python expression nor a `def sol()`: " + _compile_text(error, "answer")}
            try:
                if any(isinstance(n, ast.FunctionDef) and n.name == "sol" for n in tree.body):
                    exec(compile(tree, "<solution>", "exec"), namespace)
                    answer = namespace["sol"]()
                else:
                    answer = eval(compile(code.strip(), "<solution>", "eval"), namespace)
            except SyntaxError as error:
                return {"compile": "The answer is neither a Python expression nor a `def sol()`: " + _compile_text(error, "answer")}
            return {"ok": self.encode(answer)}
        try:
            solution = compile(code, "<solution>", "exec")
        except (SyntaxError, ValueError) as error:
            return {"compile": _compile_text(error, "solution")}
        exec(solution, namespace)
        names = [[name, self.encode(value)] for name, value in list(namespace.items())
                 if not (name.startswith("__") and name.endswith("__"))]
        return {"ok": names}

    def serve(self, message):
        op = message.get("op")
        if op == "load":
            return self.load(message)
        target = self.handles[message["handle"]] if "handle" in message else None
        if op == "call":
            args = self.decode(message["args"])
            kwargs = self.decode(message["kwargs"])
            result = target(*args, **kwargs)
            return {"ok": self.encode(result), "back": self.written_back(args),
                    "back_kwargs": dict(zip(kwargs, self.written_back(list(kwargs.values()))))}
        if op == "getattr":
            return {"ok": self.encode(getattr(target, message["name"]))}
        if op == "setattr":
            setattr(target, message["name"], self.decode(message["value"]))
            return {"ok": ["none"]}
        if op == "delattr":
            delattr(target, message["name"])
            return {"ok": ["none"]}
        if op == "operator":
            args = self.decode(message["args"])
            result = _OPERATORS[message["name"]](*args)
            return {"ok": self.encode(result), "back": self.written_back(args)}
        raise _ChannelBroken("an unknown request")

    def run(self):
        while True:
            message = self.channel.receive()
            try:
                reply = self.serve(message)
            except _ChannelBroken:
                raise
            except BaseException as error:
                reply = self.failure(error)
            _flush_output()  # what the solution printed shows before the checker goes on (it may kill this process next)
            try:
                self.channel.send(reply)
            except _ChannelBroken:
                raise
            except BaseException as error:  # a value json cannot carry (e.g. unsendable): say so instead
                self.channel.send({"error": {"type": "TypeError", "name": "TypeError",
                                             "args": ["tuple", [["str", "the value could not be sent: %s" % _short(error)]]],
                                             "text": "TypeError: the value could not be sent to the checker"}})

    def call_checker(self, callback_id, args, kwargs):
        self.channel.send({"op": "callback", "callback": callback_id, "args": self.encode(args), "kwargs": self.encode(kwargs)})
        while True:
            message = self.channel.receive()
            if "op" in message:  # the checker's function calls back into the solution
                try:
                    reply = self.serve(message)
                except _ChannelBroken:
                    raise
                except BaseException as error:
                    reply = self.failure(error)
                _flush_output()
                self.channel.send(reply)
                continue
            if "ok" in message:
                return self.decode(message["ok"])
            error = message.get("error") or {}
            raise _BUILTIN_ERRORS.get(error.get("type"), RuntimeError)(_safe_text(str(error.get("message", "the checker's function failed"))))


class _CheckerCallable:
    """A function of the tests, passed to the solution: calling it asks the checker to run it."""

    def __init__(self, side, callback_id):
        self._side = side
        self.callback_id = callback_id

    def __call__(self, *args, **kwargs):
        return self._side.call_checker(self.callback_id, args, kwargs)


async def _awaited(awaitable):
    return await awaitable


_probe = _awaited(None)
_COROUTINE = type(_probe)
_probe.close()  # closed, so no "never awaited" warning reaches the output
del _probe


class _AwaitableBox:
    """Holds one of the solution's coroutines for the checker's "await" (a coroutine must not cross as itself)."""

    def __init__(self, coroutine):
        self.coroutine = coroutine

    def __await__(self):
        return self.coroutine.__await__()


def _builtin_base(kind):
    return next((c for c in kind.__mro__ if _BUILTIN_ERRORS.get(c.__name__) is c), BaseException)


def _short_type_name(kind):
    name = getattr(kind, "__name__", None)
    return name if type(name) is str and name.isidentifier() else "SolutionError"


def _flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _short_type(value):
    try:
        return type(value).__qualname__
    except BaseException:
        return "object"


def _compile_text(error, what):
    if isinstance(error, SyntaxError):
        return _format_syntax_error(error, what)
    return "The %s does not compile: %s" % (what, error)


def _run_solution_process(requests_fd, replies_fd):
    os.setpgid(0, 0)  # the checker kills the whole group before it reports
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    side = _SolutionSide(_Channel(requests_fd, replies_fd))
    try:
        side.run()
    except BaseException:
        pass
    os._exit(0)


# ----------------------------------------------------------------------------------------------------------
# The checker
# ----------------------------------------------------------------------------------------------------------

class CheckFailed(AssertionError):
    """Raised by a rewritten assert; carries the programmer-facing description."""

    def __init__(self, description):
        super().__init__(description)
        self.description = description


class _SolutionExit(BaseException):
    """The solution called exit() while a check was calling it."""


class _Report(BaseException):
    def __init__(self, status, feedback):
        super().__init__(status)
        self.status = status
        self.feedback = feedback


def _safe_text(text):
    if not isinstance(text, str):
        text = str(text)
    return text.encode("utf-8", "replace").decode("utf-8")


class _Remote:
    """An object that lives in the solution process."""

    __slots__ = ("_sdpo_link", "_sdpo_handle", "_sdpo_type", "_sdpo_values")

    def __init__(self, link, handle, type_name):
        object.__setattr__(self, "_sdpo_link", link)
        object.__setattr__(self, "_sdpo_handle", handle)
        object.__setattr__(self, "_sdpo_type", type_name)
        object.__setattr__(self, "_sdpo_values", {})

    def _sdpo_value(self, name, kind):
        """A conversion to a number (float(), int(), hash()) asked once and kept: an object whose __float__ answered
        differently each time could make a test that converts it repeatedly (HumanEval/32's poly) add up to anything."""
        if name not in self._sdpo_values:
            self._sdpo_values[name] = _exact(self._sdpo_operator(name), kind, "__%s__" % name)
        return self._sdpo_values[name]

    def _sdpo_operator(self, name, *args):
        return self._sdpo_link.request({"op": "operator", "name": name, "args": [self] + list(args)})

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__qualname__", "__doc__", "__module__"):
            raise AttributeError(name)
        return self._sdpo_link.request({"op": "getattr", "handle": self._sdpo_handle, "name": name})

    def __setattr__(self, name, value):
        self._sdpo_link.request({"op": "setattr", "handle": self._sdpo_handle, "name": name, "value": value})

    def __delattr__(self, name):
        self._sdpo_link.request({"op": "delattr", "handle": self._sdpo_handle, "name": name})

    def __repr__(self):
        try:
            text = self._sdpo_operator("repr")
        except Exception:
            text = None
        return text if type(text) is str else "<%s object of the solution>" % self._sdpo_type

    def __str__(self):
        text = self._sdpo_operator("str")
        return text if type(text) is str else repr(self)

    # Comparisons: the solution's objects compare only with each other. Against a plain value the checker
    # decides alone (so an object whose __eq__ always says yes equals nothing but itself).
    def _sdpo_compare(self, name, other):
        if not isinstance(other, _Remote):
            return NotImplemented
        return self._sdpo_operator(name, other)

    def __eq__(self, other): return self._sdpo_compare("eq", other)
    def __ne__(self, other): return self._sdpo_compare("ne", other)
    def __lt__(self, other): return self._sdpo_compare("lt", other)
    def __le__(self, other): return self._sdpo_compare("le", other)
    def __gt__(self, other): return self._sdpo_compare("gt", other)
    def __ge__(self, other): return self._sdpo_compare("ge", other)

    def __hash__(self): return self._sdpo_value("hash", int)
    def __bool__(self): return _exact(self._sdpo_operator("bool"), bool, "__bool__")
    def __len__(self): return _exact(self._sdpo_operator("len"), int, "__len__")
    def __index__(self): return self._sdpo_value("index", int)
    def __int__(self): return self._sdpo_value("int", int)
    def __float__(self): return self._sdpo_value("float", float)
    def __iter__(self): return self._sdpo_operator("iter")
    def __next__(self): return self._sdpo_operator("next")
    def __reversed__(self): return self._sdpo_operator("reversed")
    def __round__(self, *digits): return self._sdpo_operator("round", *digits)
    def __contains__(self, item): return _exact(self._sdpo_operator("contains", item), bool, "__contains__")
    def __getitem__(self, key): return self._sdpo_operator("getitem", key)
    def __setitem__(self, key, value): self._sdpo_operator("setitem", key, value)
    def __delitem__(self, key): self._sdpo_operator("delitem", key)
    def __neg__(self): return self._sdpo_operator("neg")
    def __pos__(self): return self._sdpo_operator("pos")
    def __abs__(self): return self._sdpo_operator("abs")
    def __invert__(self): return self._sdpo_operator("invert")
    def __format__(self, spec): return _exact(self._sdpo_operator("format", spec), str, "__format__")

    def __await__(self):  # a coroutine of the solution runs to its end in the solution's process
        result = self._sdpo_operator("await")
        if False:
            yield
        return result
    def __enter__(self): return self._sdpo_operator("enter")

    def __exit__(self, *exception):
        self._sdpo_operator("exit")  # the checker's exception cannot cross; the solution's __exit__ sees none
        return False


def _binary(name):
    # Between two objects of the solution the solution computes, as it would in one interpreter. With a plain value
    # it may not: `abs(candidate(x) - 5) < 1e-6` would pass for any object whose __sub__ returns 0.
    def refuse(self, other):
        raise TypeError("the checker does not apply `%s` to an object of the solution (%s) and a plain value (%s): "
                        "the solution would choose the result" % (name, self._sdpo_type, _short_type(other)))

    def forward(self, other):
        if not isinstance(other, _Remote):
            refuse(self, other)
        return self._sdpo_link.request({"op": "operator", "name": name, "args": [self, other]})

    def backward(self, other):
        if not isinstance(other, _Remote):
            refuse(self, other)
        return self._sdpo_link.request({"op": "operator", "name": name, "args": [other, self]})
    return forward, backward


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift", "rshift"):
    _forward, _backward = _binary(_name)
    setattr(_Remote, "__%s__" % _name, _forward)
    setattr(_Remote, "__r%s__" % _name, _backward)
del _name, _forward, _backward


class _RemoteCallable(_Remote):
    __slots__ = ()

    # isinstance(x, Stack) and issubclass(Sub, Stack) with the solution's classes, answered by the solution.
    def __instancecheck__(self, instance):
        return _exact(self._sdpo_link.request({"op": "operator", "name": "isinstance", "args": [instance, self]}), bool, "isinstance")

    def __subclasscheck__(self, subclass):
        return _exact(self._sdpo_link.request({"op": "operator", "name": "issubclass", "args": [subclass, self]}), bool, "issubclass")

    def __call__(self, *args, **kwargs):
        return self._sdpo_link.request({"op": "call", "handle": self._sdpo_handle, "args": list(args), "kwargs": kwargs})


def _exact(value, kind, what):
    if type(value) is not kind:
        raise TypeError("%s of the solution's object returned %s, not %s" % (what, _short_type(value), kind.__name__))
    return value


class _RemoteError(Exception):
    """An error raised in the solution process whose type the checker does not have."""


_FUNCTION = type(lambda: None)


def _defined_by_tests(value):
    """A plain function the tests' own source defines (not the solution's, not the checker's, not a decorator's wrapper)."""
    return type(value) is _FUNCTION and value.__code__.co_filename == "<tests>"

_STDLIB_MODULES = frozenset(sys.stdlib_module_names)


class _Link:
    """The checker's end of the channel: requests to the solution process, and the tests' callbacks it serves."""

    def __init__(self, channel, pid):
        self.channel = channel
        self.pid = pid
        self.callbacks = {}
        self.remotes = {}  # handle -> _Remote, so one object of the solution is one object here (`is` works)
        self.broken = None
        self.exited = None

    def encode(self, value):
        def other(item):
            if isinstance(item, _Remote) or (isinstance(item, type) and self.remotes.get(getattr(item, "_sdpo_handle", None)) is item):
                return ["handle", item._sdpo_handle]
            # Only the tests' own functions become callbacks the solution may call: anything else could be a
            # function of the checker's (eval, exec) that reached the tests as a value.
            if _defined_by_tests(item):
                callback_id = len(self.callbacks) + 1
                self.callbacks[callback_id] = item
                return ["callback", callback_id]
            reference = _stdlib_reference(item) if callable(item) else None
            if reference is not None:
                return ["stdlib", reference[0], reference[1]]
            raise TypeError("the tests passed %s to the solution; only plain values (numbers, strings, bytes, lists, "
                            "tuples, dicts, sets, None), the tests' functions, standard-library functions and the "
                            "solution's own objects can be passed" % _short_type(item))
        return _encode(value, other)

    def decode(self, node):
        def other(item):
            tag = item[0]
            if tag == "handle":
                remote = self.remotes.get(item[1])
                if remote is None:
                    remote = (_RemoteCallable if item[3] else _Remote)(self, item[1], item[2])
                    self.remotes[item[1]] = remote
                return remote
            if tag == "module":
                # This process's own list: the solution may have changed its own sys.stdlib_module_names.
                return _import_or_none(item[1]) if item[1] in _STDLIB_MODULES else None
            if tag == "callback":
                return self.callbacks[item[1]]
            if tag == "exception-class":
                return self._exception_class(item[1], item[2], item[3])
            if tag == "coroutine":
                return _awaited(other(["handle"] + item[1:]))  # a real coroutine here, awaiting the solution's
            raise _ChannelBroken("an unknown value tag")
        return _decode(node, other)

    def _exception_class(self, handle, name, base_name):
        made = self.remotes.get(handle)
        if made is None:
            base = _BUILTIN_ERRORS.get(base_name, Exception)
            if not issubclass(base, Exception) or base in (StopIteration, StopAsyncIteration):
                base = Exception
            made = type(str(name), (base,), {"__module__": "solution", "_sdpo_handle": handle})
            self.remotes[handle] = made
        return made

    def request(self, message):
        if self.broken is not None:
            raise _ChannelBroken(self.broken)
        if self.exited is not None:
            raise _SolutionExit(self.exited)
        payload = dict(message)
        if "args" in payload:
            payload["args"] = self.encode(list(payload["args"]))
        if "kwargs" in payload:
            payload["kwargs"] = self.encode(dict(payload["kwargs"]))
        if "value" in payload:
            payload["value"] = self.encode(payload["value"])
        try:
            self.channel.send(payload)
            while True:
                reply = self.channel.receive()
                if reply.get("op") == "callback":
                    self.channel.send(self._serve_callback(reply))
                    continue
                operator_name = message.get("name") if message.get("op") == "operator" else None
                return self._result(reply, message.get("args"), operator_name, message.get("kwargs"))
        except _ChannelBroken as broken:
            self.broken = str(broken)
            raise

    def _serve_callback(self, message):
        try:
            function = self.callbacks[message["callback"]]
            result = function(*self.decode(message["args"]), **self.decode(message["kwargs"]))
            return {"ok": self.encode(result)}
        except (_ChannelBroken, _SolutionExit, _Report, AssertionError):
            raise  # a failed check inside the tests' function (an assert, unittest's assertEqual) fails the tests,
                   # whatever the solution does with errors
        except Exception as error:
            return {"error": {"type": type(error).__name__ if _BUILTIN_ERRORS.get(type(error).__name__) is type(error)
                              else "RuntimeError", "message": _short(error)}}

    def _result(self, reply, sent_args, operator_name=None, sent_kwargs=None):
        if "ok" in reply:
            if sent_args is not None and "back" in reply:
                _write_back(sent_args, [self.decode(item) for item in reply["back"]])
            if sent_kwargs and isinstance(reply.get("back_kwargs"), dict):
                names = [name for name in sent_kwargs if name in reply["back_kwargs"]]
                _write_back([sent_kwargs[n] for n in names], [self.decode(reply["back_kwargs"][n]) for n in names])
            return self.decode(reply["ok"])
        if "exit" in reply:
            self.exited = str(reply["exit"])
            raise _SolutionExit(self.exited)
        error = reply.get("error")
        if not isinstance(error, dict):
            raise _ChannelBroken("something that is not a reply")
        kind = _BUILTIN_ERRORS.get(error.get("type"), _RemoteError)
        if kind in (SystemExit, KeyboardInterrupt, GeneratorExit) or not issubclass(kind, Exception):
            kind = _RemoteError
        if "class" in error:
            made = self.decode(error["class"])
            if isinstance(made, type) and issubclass(made, kind if kind is not _RemoteError else Exception):
                kind = made
        if issubclass(kind, (StopIteration, StopAsyncIteration)) and operator_name != "next":
            # Only next() may end an iteration: raised from a call, StopIteration would silently end the tests' loop
            # or map() early, as Python itself turns it into RuntimeError inside a generator.
            kind = _RemoteError
        try:
            args = self.decode(error["args"])
            raised = kind(*args) if isinstance(args, tuple) else kind(str(args))
        except BaseException:
            raised = _RemoteError("%s (raised by the solution)" % error.get("name"))
        raised.sdpo_solution_traceback = _safe_text(error.get("text", ""))
        raise raised

    def close(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)  # reaped here: unsandboxed, an orphan would wait as a zombie on the host's init
        except OSError:
            pass

    def ending(self):
        """How the solution process ended, for a broken channel."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except OSError:
            return ""
        if pid == 0:
            return ""
        if os.WIFSIGNALED(status):
            return " (killed by signal %d)" % os.WTERMSIG(status)
        return " (exit code %d)" % os.WEXITSTATUS(status)


def _write_back(sent, returned):
    """Mutations the solution made to list, dict, set and bytearray arguments, applied to the tests' own objects."""
    for original, changed in zip(sent, returned):
        kind = type(original)
        if kind is not type(changed):
            continue
        if kind in (list, bytearray):
            original[:] = changed
        elif kind in (dict, set):
            original.clear()
            original.update(changed)


def _import_or_none(name):
    try:
        return importlib.import_module(name)
    except BaseException:
        return None


class _Checks:
    """Runtime side of the assert rewriting: evaluates, counts and describes each check."""

    _OPERATORS = {
        "Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
        "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
        "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b,
    }

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
        if self._OPERATORS[op_name](left, right):
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


def _solution_error_text(error):
    return getattr(error, "sdpo_solution_traceback", None)


def _load(link, message):
    """Sends the solution to its process; raises the verdict when it does not load (or compute P3's answer)."""
    computing = message["mode"] == "p3"
    try:
        link.channel.send(message)
        reply = link.channel.receive()
    except _ChannelBroken as broken:
        link.broken = str(broken)
        raise
    if "ok" in reply:
        return reply["ok"]
    if "compile" in reply:
        raise _Report("compile-error", _safe_text(reply["compile"]))
    if "exit" in reply:
        raise _Report("runtime-error", "The solution called exit(%s)%s." % (reply["exit"], "" if computing else " before the tests ran"))
    error = reply.get("error") or {}
    text = _safe_text(error.get("text", ""))
    if error.get("type") == "MemoryError":
        raise _Report("memory-limit", "MemoryError while %s (memory limit).\n%s" % (
            "computing the answer" if computing else "loading the solution", text))
    raise _Report("runtime-error", ("Computing the answer raised an error:\n" if computing
                                    else "The solution raised an error when loaded:\n") + text)


def _check_tests(job, link):
    tests_source = job["tests"]
    _register_source("<tests>", tests_source)
    checks = _Checks()
    try:
        tree = _AssertRewriter(tests_source, checks).visit(ast.parse(tests_source, "<tests>"))
        tests = compile(ast.fix_missing_locations(tree), "<tests>", "exec")
    except (SyntaxError, ValueError) as error:
        raise _Report("verifier-error", "The verifier's tests do not compile: " + _compile_text(error, "tests"))

    names = _load(link, {"op": "load", "mode": "tests", "code": job["code"]})
    entry_point = job.get("entryPoint")
    namespace = {}
    own = _names_bound_by(tree)
    for name, value in names:
        if type(name) is not str or name.startswith("__") or (name != entry_point and name in own):
            continue  # no dunder (__builtins__ ...), and nothing the tests define or import themselves
        decoded = link.decode(value)
        # Nor a builtin the tests compute with (abs, range, ValueError), nor a fake standard-library module (`math`
        # as an object whose isclose says yes): a module name only ever holds that genuine module.
        if name != entry_point and (hasattr(_builtins, name) or (name in _STDLIB_MODULES and (
                type(decoded) is not type(sys) or decoded.__name__ != name))):
            continue
        namespace[name] = decoded
    prefix, stubs = _prefix_namespace(job.get("prefix"))
    for name, value in list(prefix.items()):
        if name.startswith("__") or name == entry_point or name in own or name in stubs:
            continue  # a stub (a signature and a docstring) is the function the attempt completes
        if isinstance(value, type) and name in namespace:
            # The prefix's classes stay the solution's, so that objects the tests build from them (LeetCode's
            # ListNode), by hand or through the prefix's own helpers, can be passed to the solution.
            prefix[name] = namespace[name]
        else:
            namespace[name] = value  # the prefix's helpers are the checker's
    namespace.update({"__name__": "__main__", "__builtins__": _builtins, "__sdpo_checks__": checks})
    # `from solution import add` and `import solution` in the tests find the solution's names.
    solution_module = type(sys)("solution")
    solution_module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    sys.modules["solution"] = solution_module

    try:
        try:
            exec(tests, namespace)
        except SystemExit as error:  # unittest.main() ends so, with a true code when a test failed
            if error.code not in (None, 0, False, 5):  # 5: unittest.main() found no tests (Python 3.12+); they run below
                raise _Report("wrong", "The tests exited with status %s." % _short(error.code))
        if entry_point:
            candidate = namespace.get(entry_point)
            if not isinstance(candidate, _RemoteCallable) and not callable(candidate):
                raise _Report("wrong", "The solution does not define a function named `%s`." % entry_point)
            check = namespace.get("check")
            if not callable(check):
                raise _Report("verifier-error", "The tests define no `check(candidate)` function to call with `%s`." % entry_point)
            check(candidate)
        else:
            _run_collected_tests(namespace, checks)
    except (_Report, _ChannelBroken):
        raise
    except CheckFailed as failure:
        raise _Report("wrong", failure.description)
    except _SolutionExit as error:
        raise _Report("runtime-error", "exit(%s) was called during the tests." % (error.args[0] if error.args else ""))
    except BaseException as error:
        raise _Report(*_classify_test_error(error))
    # Test code may have swallowed these with a bare `except:`; they still fail the run.
    if link.broken is not None:
        raise _ChannelBroken(link.broken)
    if link.exited is not None:
        raise _Report("runtime-error", "exit(%s) was called during the tests." % link.exited)
    if checks.executed == 0:
        raise _Report("verifier-error", "The tests ran no check: no assert ran, and they define no test function, test "
                      "class or unittest case to run. Nothing counts as a pass unless something was checked.")
    return "All %d checks passed." % checks.executed


def _names_bound_by(tree):
    """The names the tests' module binds at its top level (defs, classes, imports, assignments), looking into if, try,
    with and loop blocks but not into functions or classes."""
    names = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "solution":
            continue  # names the tests take from the solution on purpose
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            # `from collections import *` binds that module's names: none of them may come from the solution.
            module = _import_or_none(node.module) if node.module and not node.level else None
            names.update(getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")] if module else [])
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "solution")
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, (ast.stmt, ast.excepthandler)) or isinstance(child, (ast.Tuple, ast.List, ast.Starred)):
                pending.append(child)
    return names


def _prefix_namespace(prefix):
    """The problem's prefix run in the checker: its helpers, imports and constants, as the problem wrote them."""
    if not prefix:
        return {}, set()
    namespace = {"__name__": "solution"}
    try:
        tree = ast.parse(prefix, "<prefix>")
        code = compile(tree, "<prefix>", "exec")
    except (SyntaxError, ValueError):
        return {}, set()  # a prefix that is only code with the attempt's (a header to complete): the tests use the solution's
    try:
        exec(code, namespace)
    except Exception as error:
        raise _Report("verifier-error", "The problem's prefix fails when run on its own: " + "".join(
            traceback.format_exception_only(type(error), error)).strip())
    stubs = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and all(
        isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for statement in node.body)}
    return namespace, stubs


def _run_collected_tests(namespace, checks):
    """Tests written for pytest or unittest: run them as those tools would (a file that only defines them would
    otherwise pass whatever the solution does). Each test run counts as a check, as each assert does. A test this
    cannot run as written is the verifier's error, never skipped."""
    if _defined_by_tests(namespace.get("check")):
        raise _Report("verifier-error", "The tests define `check(candidate)`, but the problem names no entryPoint to call it with.")
    unittest = sys.modules.get("unittest")
    cases = []
    def hook(owner, name, *args):
        function = getattr(owner, name, None)
        if _defined_by_tests(getattr(function, "__func__", function)):  # the tests' own hooks, never the solution's
            function(*args)
    module = type(sys)("__main__")
    module.__dict__.update(namespace)
    hook(module, "setup_module", module)
    for name, value in list(namespace.items()):
        if isinstance(value, _Remote) or hasattr(value, "_sdpo_handle"):
            continue  # the solution's names (its objects, its exception classes) are not tests
        if unittest is not None and isinstance(value, type) and issubclass(value, unittest.TestCase) and value.__module__ == "__main__":
            cases.append(value)
        elif name.startswith("Test") and isinstance(value, type) and value.__module__ == "__main__":
            if value.__init__ is not object.__init__:
                continue  # pytest collects no class with an __init__ (a namedtuple or dataclass of test data)
            hook(value, "setup_class")
            for method_name in [m for m in dir(value) if m.startswith("test") and callable(getattr(value, m))]:
                instance = value()  # a fresh instance for every test, with pytest's per-method hooks
                method = getattr(instance, method_name)
                _require_plain_test("%s.%s" % (name, method_name), getattr(method, "__func__", None))
                if hasattr(instance, "setup_method"):
                    instance.setup_method(method)
                _run_test_function("%s.%s" % (name, method_name), method, method.__func__.__code__, checks, bound=True)
                if hasattr(instance, "teardown_method"):
                    instance.teardown_method(method)
            hook(value, "teardown_class")
        elif name.startswith("test") and callable(value):
            _require_plain_test(name, value)
            hook(module, "setup_function", value)
            _run_test_function(name, value, value.__code__, checks)
            hook(module, "teardown_function", value)
    hook(module, "teardown_module", module)
    if cases:
        import io
        output = io.StringIO()
        suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(case) for case in cases)
        result = unittest.TextTestRunner(stream=output, verbosity=2).run(suite)
        if result.skipped:
            raise _Report("verifier-error", "%d unittest case(s) were skipped; nothing counts as a pass unless every case ran.\n%s"
                          % (len(result.skipped), output.getvalue()))
        if not result.wasSuccessful():
            raise _Report("wrong", output.getvalue())
        checks.executed += result.testsRun


def _require_plain_test(name, function):
    if not _defined_by_tests(function):
        raise _Report("verifier-error", "The test `%s` is not a plain function of the tests (decorated, or a class or static "
                      "method), which this verifier cannot run as a test runner would." % name)
    flags = function.__code__.co_flags
    if flags & (0x20 | 0x200):  # CO_GENERATOR, CO_ASYNC_GENERATOR
        raise _Report("verifier-error", "The test `%s` is a generator (a yield test), which this verifier does not run." % name)


def _run_test_function(name, function, code, checks, bound=False):
    if code.co_argcount - (1 if bound else 0) > 0 or code.co_kwonlyargcount > 0:
        raise _Report("verifier-error", "The test `%s` takes arguments (pytest fixtures or parameters), which this verifier "
                      "cannot supply." % name)
    result = function()
    if code.co_flags & 0x80:  # CO_COROUTINE: an async test
        import asyncio
        asyncio.run(result)
    checks.executed += 1


def _classify_test_error(error):
    remote = _solution_error_text(error)
    test_frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<tests>"]
    line = test_frames[-1] if test_frames else None
    if isinstance(error, MemoryError):
        return "memory-limit", "MemoryError during the tests (memory limit).\n" + (remote or _user_traceback(error))
    if remote is not None:
        where = ("The solution raised an error during the check at test line %s: %s\n" % (
            line.lineno, (line.line or "").strip())) if line else ""
        if isinstance(error, RecursionError):
            return "runtime-error", where + "RecursionError: maximum recursion depth exceeded.\n" + remote
        return "runtime-error", where + remote
    if isinstance(error, RecursionError):
        return "runtime-error", "RecursionError: maximum recursion depth exceeded.\n" + _user_traceback(error, 4)
    if isinstance(error, ImportError) and line is not None:
        return "verifier-error", "The tests import a module this sandbox does not have (test line %s: %s)\n%s" % (
            line.lineno, (line.line or "").strip(), _user_traceback(error))
    innermost = _user_frames(error)
    if innermost and innermost[-1].filename == "<tests>":
        return "wrong", "Error while checking (test line %s): %s\n%s" % (
            line.lineno, (line.line or "").strip(), _user_traceback(error))
    return "runtime-error", _user_traceback(error)


def _expected_type(text, namespace, what):
    """The type an answer-type text names, evaluated where sat was defined. One that cannot be evaluated is the
    puzzle's fault, and skipping the check would let answers of any type through: a verifier error."""
    try:
        return eval(text, namespace)
    except BaseException as error:
        raise _Report("verifier-error", "The puzzle's %s %s cannot be evaluated: %s" % (
            what, _short(text), "".join(traceback.format_exception_only(type(error), error)).strip()))


def _first_parameter_annotation(sat, namespace):
    """sat's own annotation of its answer (`def sat(x: int)`), as (type, source text), when the spec names no answer
    type; (None, None) when it has none."""
    import inspect
    try:
        parameter = next(iter(inspect.signature(sat).parameters.values()))
    except (StopIteration, TypeError, ValueError):
        return None, None
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        return None, None
    if isinstance(annotation, str):  # `from __future__ import annotations`
        return _expected_type(annotation, namespace, "annotation of sat's answer"), annotation
    return annotation, inspect.formatannotation(annotation)


def _matches(value, expected):
    origin = getattr(expected, "__origin__", None)
    arguments = getattr(expected, "__args__", None) or ()
    if origin is list:
        (item,) = expected.__args__
        return type(value) is list and all(_matches(v, item) for v in value)
    if origin in (set, frozenset):
        return type(value) is origin and all(_matches(v, arguments[0]) for v in value) if arguments else type(value) is origin
    if origin is dict:
        return type(value) is dict and (len(arguments) != 2 or all(
            _matches(k, arguments[0]) and _matches(v, arguments[1]) for k, v in value.items()))
    if origin is tuple:
        if type(value) is not tuple:
            return False
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return all(_matches(v, arguments[0]) for v in value)
        return not arguments or (len(arguments) == len(value) and all(_matches(v, a) for v, a in zip(value, arguments)))
    if expected is float:
        return type(value) in (int, float)
    if isinstance(expected, type):
        return type(value) is expected
    return True


def _first_remote(value, depth=0):
    if isinstance(value, _Remote):
        return value
    if depth > _MAX_DEPTH:
        return None
    items = value.items() if isinstance(value, dict) else value if isinstance(value, (list, tuple, set, frozenset)) else ()
    for item in items:
        for part in (item if isinstance(value, dict) else (item,)):
            found = _first_remote(part, depth + 1)
            if found is not None:
                return found
    return None


def _check_p3(job, link):
    sat_source = "from typing import List\n" + job["sat"]
    _register_source("<sat>", sat_source)
    sat_namespace = {"__name__": "puzzle"}
    try:
        exec(compile(sat_source, "<sat>", "exec"), sat_namespace)
    except BaseException as error:
        raise _Report("verifier-error", "The puzzle's sat function does not load: " + "".join(
            traceback.format_exception_only(type(error), error)).strip())
    sat = sat_namespace.get("sat")
    if not callable(sat):
        raise _Report("verifier-error", "The puzzle defines no `sat` function.")

    answer = link.decode(_load(link, {"op": "load", "mode": "p3", "code": job["code"].strip()}))
    nested = _first_remote(answer)
    if nested is not None:
        raise _Report("wrong", "The answer holds a %s object; sat needs a plain value (a number, string, list, ...)."
                      % nested._sdpo_type)
    answer_type = job.get("answerType")
    if answer_type:
        expected = _expected_type(answer_type, sat_namespace, "answerType")
    else:
        expected, answer_type = _first_parameter_annotation(sat, sat_namespace)
    if answer_type and not _matches(answer, expected):
        raise _Report("wrong", "The answer %s has type %s, but sat expects %s." % (_short(answer), type(answer).__name__, answer_type))
    link.close()  # sat runs on the copy; the solution has nothing more to do
    try:
        verdict = sat(answer)
    except MemoryError:
        raise _Report("memory-limit", "MemoryError inside sat (memory limit).")
    except BaseException as error:
        raise _Report("wrong", "sat(answer) raised an error for answer %s:\n%s" % (_short(answer), _user_traceback(error)))
    if verdict is True:
        return "sat(answer) returned True."
    raise _Report("wrong", "sat(answer) returned %s for answer %s." % (_short(verdict), _short(answer)))


def _not_dumpable():
    """Keeps the solution process (same uid) out of this process's memory, where the key is."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE, 0
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _cap(feedback):
    feedback = _safe_text(feedback)
    if len(feedback) <= _MAX_FEEDBACK:
        return feedback
    head, tail = _MAX_FEEDBACK * 3 // 4, _MAX_FEEDBACK // 4
    return "%s\n... (%d characters left out) ...\n%s" % (feedback[:head], len(feedback) - head - tail, feedback[-tail:])


def _main():
    _not_dumpable()
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(requests_write)
        os.close(replies_read)
        _run_solution_process(requests_read, replies_write)
    os.close(requests_read)
    os.close(replies_write)
    # The solution's process has the same uid and may signal this one: SIGINT would raise KeyboardInterrupt wherever
    # the checker is (inside a prefix, a type check, a callback). Every other signal that reaches it only ends it,
    # which leaves no result: never a pass.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # Read only now: the solution process was forked before the key was in this process's memory.
    job = json.loads(sys.stdin.read())
    sys.stdin.close()
    result = open(job.pop("resultPath"), "w", encoding="utf-8")
    key = bytes.fromhex(job.pop("key"))
    link = _Link(_Channel(replies_read, requests_write), pid)
    try:
        if job["mode"] == "p3":
            status, feedback = "passed", _check_p3(job, link)
        else:
            status, feedback = "passed", _check_tests(job, link)
    except _Report as report:
        status, feedback = report.status, report.feedback
    except _ChannelBroken as broken:
        ending = link.ending()
        status, feedback = "runtime-error", (
            "The solution's process stopped answering%s before the checks finished (%s); nothing counts as a pass "
            "unless every check ran." % (ending, broken))
    except _SolutionExit as error:
        status, feedback = "runtime-error", "exit(%s) was called during the tests." % (error.args[0] if error.args else "")
    link.close()
    feedback = _cap(feedback)
    mac = hmac.new(key, (status + "\n" + feedback).encode("utf-8"), hashlib.sha256).hexdigest()
    _flush_output()
    result.seek(0)
    result.truncate()
    result.write(json.dumps({"status": status, "feedback": feedback, "mac": mac}))
    result.flush()
    os._exit(0)


try:
    _main()
except BaseException:  # a harness failure is the verifier's, reported by the host from the missing result
    traceback.print_exc()
    os._exit(70)
