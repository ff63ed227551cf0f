"""Tests split for the sandbox: the parts of a test that need the program (probes) run there; the rest, the
check with its expected values, stays here (``common.verdict``). The program never sees an expected value.

``plan_tests(tests) -> tuple[Plan, ...]`` plans a task's tests, cached per tuple; ``split_test(text, owned)``
plans one. Both parse and never evaluate. A name belongs to the program unless the check resolves it here:
the pure built-ins of ``verdict.NAMES``, ``math``, or a name the test assigned here. The one exception is a
built-in name the task's tests call as their subject (``assert sum(10, 15) == 6``: MBPP task 126 names its
function ``sum``): the whole left side of an assert, on program-free arguments, never on a program's value.
That name is the program's in the task's every test (``owned``); the tests decide it, not the program, so a
program that defines ``set`` or ``sorted`` gets no say in how ``set(f(x)) == set((4, 5))`` is checked.
For each top-level statement of a test:
- ``assert <expr>``: ``expr`` is checked here. Each part of it that mentions the program is a probe, unless
  that part is an operation the check applies to plain data (comparison, ``and``/``or``/``not``, arithmetic,
  subscript, container, a call to an allowed function or method); then its own parts are split in turn. So a
  probe is as small as can be: in ``assert set(f(a)) == set((4, 5))`` it is ``f(a)``. Evaluated whole in the
  sandbox: calls whose result depends on iteration order (``list(f(a))``, ``sum``, ``str``...:
  ``verdict.ORDER_SENSITIVE``; a set iterates there in the seeded order the program saw), ``%`` formatting,
  and comprehensions, lambdas and f-strings that mention the program;
- a program-free assignment to names (``expected = [1, 2]``), ``import math`` and ``from math import ...``:
  here;
- any other statement (a call, an assignment from the program, an import, a ``def``) runs in the sandbox, in
  order, before the probes that follow it.
Unsupported shapes fail the test with ``unsupported test shape: ...``: an assert inside a block (a loop, an
``if``), a name the test assigned here used by code that runs in the sandbox, and a program-free part that
the check cannot evaluate (an f-string, ``:=``).

A plan's ``steps`` go to the sandbox (``"x" + statement`` or ``"e" + probe``); its ``ops`` are checked here in
order, each with the probe results in place of its ``Probe`` nodes.
"""

from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass

from common.verdict import MATH, METHOD_NAMES, NAMES, ORDER_SENSITIVE, describe

MAX_TEST_CHARS = 100_000
_CHECKABLE = (ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp, ast.BoolOp,
              ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Call, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp, ast.Starred, ast.Attribute)
_SPLITTABLE = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Subscript, ast.Slice)


class Probe(ast.expr):
    """Where a probe was cut out of a check: ``index`` is its step in the plan."""

    _fields = ("index",)


@dataclass(frozen=True)
class Op:
    node: ast.expr  # the expression checked here, with Probe nodes
    target: ast.expr | None  # an assignment's target; None for an assert
    after: int  # the plan's steps that come before it in the test


@dataclass(frozen=True)
class Plan:
    steps: tuple[str, ...] = ()
    ops: tuple[Op, ...] = ()
    error: str | None = None  # the test fails with this, and nothing of it runs


class _Unsupported(Exception):
    pass


@functools.lru_cache(maxsize=4096)
def plan_tests(tests: tuple[str, ...]) -> tuple[Plan, ...]:
    """The plans of one task's tests (see the module doc)."""
    owned = _subjects(tests)
    return tuple(split_test(t, owned) for t in tests)


@functools.lru_cache(maxsize=8192)
def split_test(text: str, owned: frozenset[str] = frozenset()) -> Plan:
    """The plan of one test; ``owned``: built-in names that are the program's in this task."""
    if len(text) > MAX_TEST_CHARS:
        return Plan(error=f"unsupported test shape: longer than {MAX_TEST_CHARS} characters")
    try:
        tree = ast.parse(text, filename="test.py")
        return _Splitter(owned).run(tree)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        return Plan(error=describe(exc))
    except _Unsupported as exc:
        return Plan(error=f"unsupported test shape: {exc}")
    except (RecursionError, MemoryError):
        return Plan(error="unsupported test shape: nested too deeply")


def _builtin_only(node) -> bool:
    return _free_names(node) <= NAMES.keys() | {"math"}


def _subjects(tests: tuple[str, ...]) -> frozenset[str]:
    """Built-in names these tests call as their subject, and never on a program's value (module doc)."""
    subjects, applied = set(), set()
    for text in tests:
        try:
            tree = ast.parse(text) if len(text) <= MAX_TEST_CHARS else ast.Module([], [])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not all(
                    _builtin_only(a) for a in (*n.args, *(k.value for k in n.keywords))):
                applied.add(n.func.id)
        test = tree.body[0].test if len(tree.body) == 1 and isinstance(tree.body[0], ast.Assert) else None
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call) and isinstance(
                test.left.func, ast.Name) and test.left.func.id in NAMES and _builtin_only(test):
            subjects.add(test.left.func.id)
    return frozenset(subjects - applied)


def _free_names(node) -> set[str]:
    """Names ``node`` reads that it does not bind itself (comprehension targets, lambda parameters)."""
    loads, bound = set(), set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return loads - bound


def _bound_names(stmt) -> set[str]:
    names = set()
    for n in ast.walk(stmt):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in n.names)
    return names


def _is_math(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math"


def _is_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))


class _Splitter:
    def __init__(self, owned: frozenset[str]):
        self.owned = owned  # built-in names that are the program's in this task
        self.steps: list[str] = []
        self.ops: list[Op] = []
        self.here: set[str] = set()  # names the test assigned here
        self.there: set[str] = set()  # names statements in the sandbox bound

    def run(self, tree: ast.Module) -> Plan:
        for stmt in tree.body:
            self.statement(stmt)
        return Plan(tuple(self.steps), tuple(self.ops))

    def resolvable(self, name: str) -> bool:
        return name in self.here or name not in self.there | self.owned and (name in NAMES or name == "math")

    def needs_program(self, node) -> bool:
        return not all(self.resolvable(n) for n in _free_names(node))

    def statement(self, stmt) -> None:
        after = len(self.steps)
        if isinstance(stmt, ast.Assert):  # its message is left out: it does not decide the verdict
            self.ops.append(Op(self.split(stmt.test), None, after))
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and not self.needs_program(stmt.value)
              and all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for n in ast.walk(stmt.targets[0]))):
            self.check_pure(stmt.value)
            self.ops.append(Op(stmt.value, stmt.targets[0], after))
            self.bind_here(_bound_names(stmt))
        elif isinstance(stmt, ast.Import) and all(a.name == "math" and a.asname is None for a in stmt.names):
            self.there.discard("math")  # math is always here
        elif (isinstance(stmt, ast.ImportFrom) and stmt.module == "math" and not stmt.level
              and all(a.name in MATH for a in stmt.names)):
            for a in stmt.names:
                self.ops.append(Op(ast.Attribute(ast.Name("math", ast.Load()), a.name, ast.Load()),
                                   ast.Name(a.asname or a.name, ast.Store()), after))
                self.bind_here({a.asname or a.name})
        elif any(isinstance(n, ast.Assert) for n in ast.walk(stmt)):
            raise _Unsupported(f"an assert inside a {type(stmt).__name__.lower()} block cannot be checked "
                               "outside the sandbox")
        else:
            self.refuse_here_names(stmt)
            self.steps.append("x" + ast.unparse(stmt))
            bound = _bound_names(stmt)
            self.there |= bound
            self.here -= bound

    def bind_here(self, names: set[str]) -> None:
        self.here |= names
        self.there -= names

    def refuse_here_names(self, node) -> None:
        clash = _free_names(node) & self.here
        if clash:
            raise _Unsupported(f"{sorted(clash)[0]!r} is assigned by the test but used by code that runs in the "
                               "sandbox")

    def split(self, node):
        if not self.needs_program(node):
            self.check_pure(node)
            return node
        if self.splittable(node):
            return self.rebuild(node)
        self.refuse_here_names(node)
        self.steps.append("e" + ast.unparse(node))
        return Probe(len(self.steps) - 1)

    def splittable(self, node) -> bool:
        """Whether the check applies ``node``'s own operation to plain data, its program parts probed apart."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_text(node.left):
            return False
        if isinstance(node, _SPLITTABLE):
            return True
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return not any(isinstance(e, ast.Starred) and self.needs_program(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return True
        if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            allowed, name = self.resolvable(func.id), func.id
        elif _is_math(func) and self.resolvable("math"):
            allowed, name = func.attr in MATH, func.attr
        elif isinstance(func, ast.Attribute):
            allowed, name = func.attr in METHOD_NAMES, func.attr
        else:
            return False
        program_args = [a for a in (*node.args, *(k.value for k in node.keywords)) if self.needs_program(a)]
        if name in ORDER_SENSITIVE and program_args:
            return False
        return allowed and not any(isinstance(a, ast.Starred) for a in program_args)

    def rebuild(self, node):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and not _is_math(func):
                func = ast.Attribute(self.split(func.value), func.attr, ast.Load())
            return ast.Call(func, [self.split(a) for a in node.args],
                            [ast.keyword(k.arg, self.split(k.value)) for k in node.keywords])
        new = copy.copy(node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(new, field, self.split(value))
            elif isinstance(value, list):
                setattr(new, field, [self.split(v) if isinstance(v, ast.expr) else v for v in value])
        return new

    def check_pure(self, node) -> None:
        """A program-free expression must be one the check can evaluate."""
        called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        for n in ast.walk(node):
            if isinstance(n, ast.expr) and not isinstance(n, _CHECKABLE):
                raise _Unsupported(f"{type(n).__name__} in a check ({ast.unparse(n)[:80]})")
            if isinstance(n, ast.Attribute) and not (
                    _is_math(n) and n.attr in MATH or id(n) in called and n.attr in METHOD_NAMES):
                raise _Unsupported(f"attribute .{n.attr} in a check")
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and _is_text(n.left):
                raise _Unsupported("% formatting in a check")
            if isinstance(n, ast.Call) and any(k.arg is None for k in n.keywords):
                raise _Unsupported("** arguments in a check")
