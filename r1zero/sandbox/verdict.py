"""Code verdicts, decided here and not in the program's interpreter: the sandbox's report read as plain data,
and each test's check evaluated over it.

``r1zero.sandbox.probes`` splits each test (an MBPP ``assert``) into probes, the expressions that need the program,
which the sandbox evaluates, and a check, which stays here. The program never sees the check, so it never
sees an expected value; what it returns comes back as data, and no code of its own runs in the comparison.

- ``read_report(raw, plans) -> (program_error, results) | None``: the harness's report
  (``r1zero.sandbox.runner``), decoded strictly: ``json`` and the tags below, nothing evaluated, bounded in
  depth. It must hold exactly one entry per step of each plan (fewer only where a statement raised); any other
  shape, a second report included, is ``None`` and the caller fails the program (fail closed).
- ``judge(plan, results) -> str | None``: ``None`` when the test passes, else why not: ``AssertionError``, the
  exception a probe raised, or the one the check raised here. The check runs on a small interpreter
  over plain data: literals, containers, comprehensions, lambdas, comparisons, ``and``/``or``/``not``,
  arithmetic, subscripts, and calls to the pure functions of ``NAMES``, ``math`` and ``METHODS``, with
  Python's own semantics (``(1, 2) != [1, 2]``, ``1 == 1.0 == True``), and bounds on sizes and steps.

Report: ``["ok", [test, ...]]`` or ``["error", why]``; a test is a list of step results, ``["done"]`` (a
statement ran), ``["value", data]`` (a probe's value) or ``["raised", why]``. Data is JSON's null, booleans,
numbers (floats as ``repr`` writes them, ``NaN`` and ``Infinity`` included) and strings, and tagged lists:
``l`` list, ``t`` tuple, ``s`` set, ``f`` frozenset, ``d`` dict (``[[key, value], ...]``), ``g`` an iterator or
generator (its items), ``k``/``v``/``e`` dict keys/values/items views, ``b``/``y`` bytes/bytearray (hex),
``c`` complex (``[real, imag]``), ``i`` an int beyond 64 bits (hex), ``r`` range (``[start, stop, step]``).
What the check builds from the program's values stays cheap: a range has at most ``MAX_ITEMS`` items, and a set
or dict (decoded, or built by the check) at most ``MAX_HASH_TIES`` items that share a hash with another (a
program could send items that all hash alike, and building their table takes quadratic time). A value over
either bound is not checked: its probe fails with why, like a value the harness refused.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import operator

MAX_DEPTH = 100  # nesting of a value
MAX_ITEMS = 1_000_000  # length of a sequence or string the check builds
MAX_INT_BITS = 1 << 22  # an int the check builds (about 1.26 million digits)
MAX_STEPS = 1_000_000  # nodes evaluated and items iterated by one test's check
MAX_HASH_TIES = 16  # items of a set or dict that share a hash with another (module doc): honest values have ~0
MAX_PRODUCT_BITS = MAX_INT_BITS * 16  # the partial products of one math.prod, together
MAX_ERROR_CHARS = 300


class CheckError(Exception):
    """The check asked for something this interpreter refuses (a bound, an unsupported operation)."""


class _ProbeFailed(Exception):
    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class _Malformed(Exception):
    pass


# --- what a check may use -------------------------------------------------------------------------------


def _bounded_range(*args):
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise CheckError(f"range of more than {MAX_ITEMS} items")
    return r


def _bounded_pow(base, exp, mod=None):
    _check_power(base, exp, mod)
    return pow(base, exp, mod)


def _bounded_round(number, ndigits=None):
    if ndigits is not None and abs(ndigits) > 10_000:
        raise CheckError("round() to more than 10000 digits")
    return round(number, ndigits)


def _small(name, fn, limit=10_000):
    def bounded(*args):
        if any(type(a) is int and a > limit for a in args):
            raise CheckError(f"math.{name}() of a number over {limit}")
        return fn(*args)
    return bounded


def _iter(obj, *sentinel):
    if sentinel:  # iter(callable, sentinel) can run forever
        raise CheckError("iter() with a sentinel")
    return iter(obj)


def _bounded_sum(iterable, /, start=0):
    if not hasattr(start, "__len__"):  # numbers: each step costs what its operands do
        return sum(iterable, start)
    items = _listed(iterable)  # sequences: each step copies the sum so far
    if len(items) * (len(start) + sum(len(x) for x in items if hasattr(x, "__len__"))) > MAX_ITEMS:
        raise CheckError(f"a sum of sequences that copies more than {MAX_ITEMS} items")
    return sum(items, start)


def _bounded_prod(iterable, /, *, start=1):
    out, bits = start, 0
    for item in iterable:  # as math.prod multiplies, bounded like the check's own products
        _check_binop(ast.Mult(), out, item)
        out = out * item
        bits += out.bit_length() if type(out) is int else 0
        if bits > MAX_PRODUCT_BITS:
            raise CheckError(f"a product whose steps take more than {MAX_PRODUCT_BITS} bits")
    return out


_bounded_sum.__name__, _bounded_prod.__name__ = "sum", "prod"

# Built-in names a check resolves here; every other name is the program's (``r1zero.sandbox.probes``).
NAMES = {f.__name__: f for f in (abs, all, any, bool, chr, complex, dict, divmod, enumerate, filter, float,
                                 frozenset, int, isinstance, len, list, map, max, min, next, ord, repr, reversed,
                                 set, sorted, str, sum, tuple, zip, bin, hex, oct)}
NAMES.update({"range": _bounded_range, "pow": _bounded_pow, "round": _bounded_round, "iter": _iter,
              "bytes": bytes, "bytearray": bytearray, "sum": _bounded_sum})
MATH = {name: getattr(math, name) for name in (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "copysign", "cos", "cosh", "degrees", "dist",
    "e", "erf", "exp", "expm1", "fabs", "floor", "fmod", "frexp", "fsum", "gcd", "hypot", "inf", "isclose",
    "isfinite", "isinf", "isnan", "isqrt", "lcm", "ldexp", "log", "log10", "log1p", "log2", "modf", "nan", "pi",
    "pow", "prod", "radians", "remainder", "sin", "sinh", "sqrt", "tan", "tanh", "tau", "trunc")}
MATH.update({name: _small(name, getattr(math, name)) for name in ("factorial", "comb", "perm")})
MATH["prod"] = _bounded_prod
_STR_METHODS = {"capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha", "isascii",
                "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "lower",
                "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rpartition",
                "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper"}
_SET_METHODS = {"copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset",
                "symmetric_difference", "union"}
# Methods a check may call on a value, by its exact type: pure, and none that builds an unbounded result.
METHODS = {str: _STR_METHODS | {"encode"}, bytes: (_STR_METHODS - {"casefold", "isdecimal", "isnumeric"}) | {
    "decode", "hex"}, list: {"copy", "count", "index"}, tuple: {"count", "index"},
    dict: {"copy", "get", "items", "keys", "values"}, set: _SET_METHODS, frozenset: _SET_METHODS,
    int: {"bit_length", "bit_count", "conjugate"}, float: {"is_integer", "conjugate"}, complex: {"conjugate"}}
METHODS[bytearray] = METHODS[bytes]
METHOD_NAMES = frozenset().union(*METHODS.values())
# Calls whose result depends on the order in which a value iterates. Applied to a program's value, those that
# only iterate it (``r1zero.sandbox.probes.ITERATING``) get its items as the sandbox iterated them, in the order the
# program saw (sets: PYTHONHASHSEED=0; here a set's order is another); the others run there.
ORDER_SENSITIVE = frozenset({"list", "tuple", "str", "repr", "sum", "enumerate", "zip", "map", "filter", "iter",
                             "next", "reversed", "join"})
_SINGLETONS = (type(None), bool, type(...))
_VIEWS = (type({}.keys()), type({}.items()))


# --- sets and dicts: cheap to build (module doc) ------------------------------------------------------------


def _few_ties(items: list) -> list:
    """``items``, once sure that few of them share a hash: a table of n colliding items takes n**2 steps."""
    hashes = [hash(x) for x in items]
    if len(set(hashes)) == len(hashes):
        return items
    groups: dict[int, list] = {}
    ties = 0
    for h, x in zip(hashes, items, strict=True):
        group = groups.setdefault(h, [])
        if not any(x == y for y in group):  # equal items are one item of the table
            ties += bool(group)
            if ties > MAX_HASH_TIES:
                raise CheckError(f"value too costly to check: more than {MAX_HASH_TIES} items of a set or dict "
                                 "share their hash with another")
            group.append(x)
    return items


def _listed(value) -> list:
    items = list(itertools.islice(value, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise CheckError(f"more than {MAX_ITEMS} items")
    return items


def _table(value):
    """What a set is built from: ``value``, or its items once checked (a set, dict or key view already was)."""
    return value if type(value) in (set, frozenset, dict, _VIEWS[0]) else _few_ties(_listed(value))


def _keyed(pairs: list) -> list:
    """What a dict is built from: ``pairs``, once its keys are checked."""
    _few_ties([p[0] for p in pairs if type(p) in (list, tuple) and len(p) == 2])
    return pairs


def _hashing_args(fn, args: list) -> list:
    """The arguments of a call that builds a set or dict, checked (``_table``, ``_keyed``)."""
    if fn in (set, frozenset) and args:
        return [_table(args[0]), *args[1:]]
    if fn is dict and args and type(args[0]) is not dict:
        return [_keyed(_listed(args[0])), *args[1:]]
    if type(getattr(fn, "__self__", None)) in (set, frozenset):  # union(xs), issubset(xs)... build from xs
        return [_table(a) for a in args]
    return args


# --- reading the report ---------------------------------------------------------------------------------


def _no_objects(pairs):
    raise _Malformed("the report holds no JSON objects")


def _items(body, depth):
    if len(body) != 1 or type(body[0]) is not list:
        raise _Malformed("a container's items")
    return [_data(x, depth + 1) for x in body[0]]


def _pairs(body, depth):
    if len(body) != 1 or type(body[0]) is not list or not all(type(p) is list and len(p) == 2 for p in body[0]):
        raise _Malformed("a mapping's pairs")
    return [(_data(k, depth + 1), _data(v, depth + 1)) for k, v in body[0]]


def _data(x, depth: int = 0):
    kind = type(x)
    if x is None or kind in (bool, int, float, str):
        return x
    if kind is not list or not x or type(x[0]) is not str or depth > 2 * MAX_DEPTH:
        raise _Malformed("a value")
    tag, body = x[0], x[1:]
    if tag in _SEQUENCES:
        return _SEQUENCES[tag](_items(body, depth))
    if tag in _MAPPINGS:
        return _MAPPINGS[tag](_pairs(body, depth))
    if tag in _SCALARS and len(body) == len(_SCALARS[tag][0]) and all(
            type(b) in ok for b, ok in zip(body, _SCALARS[tag][0], strict=True)):
        return _SCALARS[tag][1](*body)
    raise _Malformed(f"tag {tag!r}")


def _range(start: int, stop: int, step: int) -> range:
    r = range(start, stop, step)
    try:
        too_long = len(r) > MAX_ITEMS  # the harness writes none: max(), set()... would iterate it here
    except OverflowError:
        too_long = True
    if too_long:
        raise CheckError("value too large to check")
    return r


_SEQUENCES = {"l": list, "t": tuple, "s": lambda xs: set(_few_ties(xs)), "f": lambda xs: frozenset(_few_ties(xs)),
              "g": iter, "k": lambda xs: dict.fromkeys(_few_ties(xs)).keys(),
              "v": lambda xs: dict(enumerate(xs)).values()}
_MAPPINGS = {"d": lambda pairs: dict(_keyed(pairs)), "e": lambda pairs: dict(_keyed(pairs)).items()}
_NUMBER, _INT, _TEXT = (int, float), (int,), (str,)
_SCALARS = {"b": ((_TEXT,), bytes.fromhex), "y": ((_TEXT,), bytearray.fromhex), "i": ((_TEXT,), lambda s: int(s, 16)),
            "c": ((_NUMBER, _NUMBER), complex), "r": ((_INT, _INT, _INT), _range)}


def _result(kind: str, entry):
    if type(entry) is not list or not entry:
        raise _Malformed("a step's result")
    if entry == ["done"] and kind == "x":
        return ("done",)
    if len(entry) == 2 and entry[0] == "raised" and type(entry[1]) is str:
        return ("raised", entry[1][:MAX_ERROR_CHARS])
    if len(entry) == 2 and entry[0] == "value" and kind == "e":
        try:
            return ("value", _data(entry[1]))
        except CheckError as exc:  # well formed, but too costly to check
            return ("raised", str(exc))
    raise _Malformed("a step's result")


def read_report(raw: bytes, plans) -> tuple[str | None, list[list[tuple]] | None] | None:
    """``(program_error, None)``, ``(None, results per test)``, or ``None`` for anything malformed."""
    try:
        doc = json.loads(raw.decode("ascii"), object_pairs_hook=_no_objects)
        if type(doc) is not list or len(doc) != 2:
            return None
        head, body = doc
        if head == "error" and type(body) is str:
            return body[:MAX_ERROR_CHARS] or "error", None
        if head != "ok" or type(body) is not list or len(body) != len(plans):
            return None
        tests = []
        for plan, entries in zip(plans, body, strict=True):
            if type(entries) is not list or len(entries) > len(plan.steps):
                return None
            results = [_result(step[0], entry) for step, entry in zip(plan.steps[:len(entries)], entries, strict=True)]
            stopped = [k for k, r in enumerate(results) if r[0] == "raised" and plan.steps[k][0] == "x"]
            # a statement that raised ends its test's report; a report ends early only there
            if stopped[:1] not in ([], [len(results) - 1]) or (len(results) < len(plan.steps) and not stopped):
                return None
            tests.append(results)
        return None, tests
    except (_Malformed, ValueError, TypeError, OverflowError, RecursionError):
        return None


# --- judging a test -------------------------------------------------------------------------------------


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return " ".join(text.split())[:MAX_ERROR_CHARS]


def judge(plan, results: list[tuple]) -> str | None:
    """None when the test passes, else why it fails (see the module doc)."""
    if plan.error:
        return plan.error
    stop = next((r[1] for k, r in enumerate(results) if r[0] == "raised" and plan.steps[k][0] == "x"), None)
    check = _Check(results, stop)
    env: dict = {}
    for op in plan.ops:
        if stop is not None and op.after >= len(results):  # the statement that raised comes before this op
            return stop
        try:
            value = check.eval(op.node, env)
            if op.target is not None:
                check.bind(op.target, value, env)
            elif not value:
                return "AssertionError"
        except _ProbeFailed as exc:
            return exc.why
        except Exception as exc:  # noqa: BLE001 - the check's own errors on plain data: the test fails
            return describe(exc)
    return stop


def _check_power(base, exp, mod=None):
    if mod is None and type(exp) in (int, bool) and type(base) in (int, bool) and exp > 0 and abs(base) > 1:
        if base.bit_length() * exp > MAX_INT_BITS:
            raise CheckError(f"a power of more than {MAX_INT_BITS} bits")


def _check_binop(op, a, b):
    if isinstance(op, ast.Pow):
        _check_power(a, b)
    elif isinstance(op, ast.LShift) and type(a) in (int, bool) and type(b) in (int, bool):
        if a and a.bit_length() + b > MAX_INT_BITS:
            raise CheckError(f"a shift to more than {MAX_INT_BITS} bits")
    elif isinstance(op, ast.Mult):
        ints = type(a) in (int, bool), type(b) in (int, bool)
        if all(ints) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise CheckError(f"a product of more than {MAX_INT_BITS} bits")
        if ints[0] != ints[1] and hasattr(b if ints[0] else a, "__len__"):
            times, seq = (a, b) if ints[0] else (b, a)
            if times > 0 and len(seq) * times > MAX_ITEMS:
                raise CheckError(f"a repetition of more than {MAX_ITEMS} items")
    elif isinstance(op, ast.Mod) and isinstance(a, (str, bytes, bytearray)):
        raise CheckError("% formatting is not available in checks")


def _check_call(fn, args, kwargs):
    name = getattr(fn, "__name__", "")
    if fn in (bytes, bytearray) and args and type(args[0]) is int and args[0] > MAX_ITEMS:
        raise CheckError(f"{name}() of more than {MAX_ITEMS} bytes")
    if name == "join" and isinstance(getattr(fn, "__self__", None), (str, bytes, bytearray)) and args:
        if len(fn.__self__) and hasattr(args[0], "__len__") and len(fn.__self__) * len(args[0]) > MAX_ITEMS:
            raise CheckError(f"a join of more than {MAX_ITEMS} characters")
    elif name == "replace" and isinstance(getattr(fn, "__self__", None), (str, bytes, bytearray)) and len(args) >= 2:
        text, old, new = fn.__self__, args[0], args[1]
        if len(text) + (text.count(old) + 1) * len(new) > MAX_ITEMS:
            raise CheckError(f"a replace() of more than {MAX_ITEMS} characters")


def _bounded(out):
    """What an operation of the check built, once its length is within ``MAX_ITEMS`` (sets, dicts and ranges
    are bounded where they are built)."""
    if hasattr(out, "__len__") and not isinstance(out, (dict, set, frozenset, range)) and len(out) > MAX_ITEMS:
        raise CheckError(f"a value of more than {MAX_ITEMS} items")
    return out


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift,
           ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
           ast.MatMult: operator.matmul}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}


class _Lambda:
    """A check's lambda (positional parameters only), called by sorted(key=...), map()..."""

    def __init__(self, check: _Check, node: ast.Lambda, env: dict):
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.kw_defaults:
            raise CheckError("lambda with other than positional parameters")
        self.check, self.body, self.env = check, node.body, env
        self.params = [p.arg for p in (*a.posonlyargs, *a.args)]
        self.__name__ = "<lambda>"

    def __call__(self, *args):
        if len(args) != len(self.params):
            raise TypeError(f"<lambda>() takes {len(self.params)} arguments ({len(args)} given)")
        return self.check.eval(self.body, {**self.env, **dict(zip(self.params, args, strict=True))})


class _Check:
    def __init__(self, results: list[tuple], stop: str | None):
        self.results, self.stop, self.steps = results, stop, MAX_STEPS

    def tick(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise CheckError(f"the check takes more than {MAX_STEPS} steps")

    def eval(self, node, env: dict):
        self.tick()
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            raise CheckError(f"{type(node).__name__} is not available in checks")
        return handler(node, env)

    def iterate(self, value):
        for item in value:
            self.tick()
            yield item

    def bind(self, target, value, env: dict) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(t, ast.Starred) for t in target.elts):
            items = list(self.iterate(value))
            if len(items) != len(target.elts):
                raise ValueError(f"cannot unpack {len(items)} values into {len(target.elts)}")
            for t, item in zip(target.elts, items, strict=True):
                self.bind(t, item, env)
        else:
            raise CheckError(f"assignment to {type(target).__name__}")

    # --- nodes

    def _Probe(self, node, env):
        if node.index >= len(self.results):
            raise _ProbeFailed(self.stop or "no result")
        kind, value = self.results[node.index]
        if kind == "raised":
            raise _ProbeFailed(value)
        return value

    def _Constant(self, node, env):
        return node.value

    def _Name(self, node, env):
        if node.id in env:
            return env[node.id]
        if node.id in NAMES:
            return NAMES[node.id]
        raise CheckError(f"name {node.id!r} is not available in checks")

    def _Attribute(self, node, env):
        if isinstance(node.value, ast.Name) and node.value.id == "math" and "math" not in env and node.attr in MATH:
            return MATH[node.attr]
        obj = self.eval(node.value, env)
        if node.attr in METHODS.get(type(obj), ()):
            return getattr(obj, node.attr)
        raise CheckError(f"{type(obj).__name__}.{node.attr} is not available in checks")

    def _elements(self, elts, env) -> list:
        out = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(self.iterate(self.eval(e.value, env)))
            else:
                out.append(self.eval(e, env))
            if len(out) > MAX_ITEMS:
                raise CheckError(f"a display of more than {MAX_ITEMS} items")
        return out

    def _List(self, node, env):
        return self._elements(node.elts, env)

    def _Tuple(self, node, env):
        return tuple(self._elements(node.elts, env))

    def _Set(self, node, env):
        return set(_few_ties(self._elements(node.elts, env)))

    def _Dict(self, node, env):
        pairs = []
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                mapping = self.eval(v, env)
                if not isinstance(mapping, dict):
                    raise TypeError(f"'{type(mapping).__name__}' object is not a mapping")
                pairs.extend(mapping.items())
            else:
                key = self.eval(k, env)
                pairs.append((key, self.eval(v, env)))
        return dict(_keyed(pairs))

    def _UnaryOp(self, node, env):
        return _UNARY[type(node.op)](self.eval(node.operand, env))

    def _BinOp(self, node, env):
        a, b = self.eval(node.left, env), self.eval(node.right, env)
        if isinstance(a, _VIEWS) or isinstance(b, _VIEWS):  # keys() | xs builds a set of both
            a, b = (set(_table(x)) if isinstance(node.op, (ast.BitOr, ast.BitAnd, ast.BitXor, ast.Sub)) else x
                    for x in (a, b))
        _check_binop(node.op, a, b)
        return _bounded(_BINOPS[type(node.op)](a, b))

    def _BoolOp(self, node, env):
        value = None
        for operand in node.values:
            value = self.eval(operand, env)
            if bool(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def _Compare(self, node, env):
        left, result = self.eval(node.left, env), True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, env)
            if isinstance(op, (ast.Is, ast.IsNot)) and not (type(left) in _SINGLETONS or type(right) in _SINGLETONS):
                raise CheckError("'is' between values other than None, True, False: values that cross the sandbox "
                                 "keep no identity, compare with ==")
            result = _COMPARE[type(op)](left, right)
            if not result:
                return result
            left = right
        return result

    def _IfExp(self, node, env):
        return self.eval(node.body if self.eval(node.test, env) else node.orelse, env)

    def _Subscript(self, node, env):
        return self.eval(node.value, env)[self.eval(node.slice, env)]

    def _Slice(self, node, env):
        return slice(*(None if part is None else self.eval(part, env) for part in (node.lower, node.upper, node.step)))

    def _Call(self, node, env):
        fn = self.eval(node.func, env)
        if not callable(fn):
            raise TypeError(f"'{type(fn).__name__}' object is not callable")
        args = self._elements(node.args, env)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise CheckError("** arguments are not available in checks")
            kwargs[kw.arg] = self.eval(kw.value, env)
        _check_call(fn, args, kwargs)
        return _bounded(fn(*_hashing_args(fn, args), **kwargs))

    def _Lambda(self, node, env):
        return _Lambda(self, node, env)

    def _comprehension(self, generators, env):
        first, rest = generators[0], generators[1:]
        if first.is_async:
            raise CheckError("async comprehensions are not available in checks")
        for item in self.iterate(self.eval(first.iter, env)):
            inner = dict(env)
            self.bind(first.target, item, inner)
            if all(self.eval(cond, inner) for cond in first.ifs):
                if rest:
                    yield from self._comprehension(rest, inner)
                else:
                    yield inner

    def _ListComp(self, node, env):
        return [self.eval(node.elt, e) for e in self._comprehension(node.generators, env)]

    def _SetComp(self, node, env):
        return set(_few_ties([self.eval(node.elt, e) for e in self._comprehension(node.generators, env)]))

    def _DictComp(self, node, env):
        return dict(_keyed([(self.eval(node.key, e), self.eval(node.value, e))
                            for e in self._comprehension(node.generators, env)]))

    def _GeneratorExp(self, node, env):
        return (self.eval(node.elt, e) for e in self._comprehension(node.generators, env))
