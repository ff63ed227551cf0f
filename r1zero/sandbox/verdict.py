"""Code verdicts, decided here and not in the program's interpreter: each test's check evaluated over the plain
data the sandbox reported.

``r1zero.sandbox.probes`` splits each test (an MBPP ``assert``) into probes, the expressions that need the program,
which the sandbox evaluates, and a check, which stays here. The program never sees the check, so it never
sees an expected value; what it returns comes back as data (``read_report``, from ``r1zero.sandbox._report``), and
no code of its own runs in the comparison.

``judge(plan, results) -> str | None``: ``None`` when the test passes, else why not: ``AssertionError``, the
exception a probe raised, or the one the check raised here. The check runs on a small interpreter over plain
data: literals, containers, comprehensions, lambdas, comparisons, ``and``/``or``/``not``, arithmetic, subscripts,
and calls to the pure functions of ``NAMES``, ``math`` and ``METHODS`` (``r1zero.sandbox._names``), with Python's
own semantics (``(1, 2) != [1, 2]``, ``1 == 1.0 == True``), and bounds on sizes and steps
(``r1zero.sandbox._check_bounds``).
"""

from __future__ import annotations

import ast
import operator

from r1zero.sandbox._check_bounds import (
    MAX_ITEMS,
    MAX_STEPS,
    VIEWS,
    CheckError,
    bounded,
    check_binop,
    check_call,
    describe,
    few_ties,
    hashing_args,
    keyed,
    table,
)
from r1zero.sandbox._names import MATH, METHODS, NAMES
from r1zero.sandbox._report import read_report

__all__ = ["judge", "read_report"]


class _ProbeFailed(Exception):
    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


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


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift,
           ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
           ast.MatMult: operator.matmul}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
_SINGLETONS = (type(None), bool, type(...))


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
        return set(few_ties(self._elements(node.elts, env)))

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
        return dict(keyed(pairs))

    def _UnaryOp(self, node, env):
        return _UNARY[type(node.op)](self.eval(node.operand, env))

    def _BinOp(self, node, env):
        a, b = self.eval(node.left, env), self.eval(node.right, env)
        if isinstance(a, VIEWS) or isinstance(b, VIEWS):  # keys() | xs builds a set of both
            a, b = (set(table(x)) if isinstance(node.op, (ast.BitOr, ast.BitAnd, ast.BitXor, ast.Sub)) else x
                    for x in (a, b))
        check_binop(node.op, a, b)
        return bounded(_BINOPS[type(node.op)](a, b))

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
        check_call(fn, args, kwargs)
        return bounded(fn(*hashing_args(fn, args), **kwargs))

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
        return set(few_ties([self.eval(node.elt, e) for e in self._comprehension(node.generators, env)]))

    def _DictComp(self, node, env):
        return dict(keyed([(self.eval(node.key, e), self.eval(node.value, e))
                            for e in self._comprehension(node.generators, env)]))

    def _GeneratorExp(self, node, env):
        return (self.eval(node.elt, e) for e in self._comprehension(node.generators, env))
