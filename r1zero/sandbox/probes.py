"""Tests split for the sandbox: the parts of a test that need the program (probes) run there; the rest, the
check with its expected values, stays here (``r1zero.sandbox.verdict``). The program never sees an expected value, and
no test logic (a comparison, a built-in applied to a test value) runs where the program could decide it.

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
  subscript, container, a call to an allowed function or method, a comprehension that uses the program only
  in its first iterable); then its own parts are split in turn. So a probe is as small as can be: in
  ``assert set(f(a)) == set((4, 5))`` it is ``f(a)``. A value the check iterates in order (the argument of
  ``list``, ``sum``, ``zip``, ``''.join``..., a comprehension's first iterable) is probed as ``[*value]``,
  the items in the order the program's value gave them (a set iterates there in the seeded order the program
  saw, here in another). ``str``, ``repr``, ``next``, ``iter`` and ``reversed`` of a program's value run there;
- a program-free assignment to names (``expected = [1, 2]``), ``import math`` and ``from math import ...``:
  here; so is an assignment of test logic on the program's values (``ok = f(1) == 6``), like an assert;
- any other statement (a call, an assignment from the program, an import, a ``def``) runs in the sandbox, in
  order, before the probes that follow it.
What runs in the sandbox, probes and statements alike, is vetted (``_Splitter.vet``): no comparison,
``and``/``or``, conditional, lambda, dunder attribute, and test values only among the program's inputs (the
arguments of its functions and methods, a subscript), never as an operand or argument of a built-in or of a
function the test brings (an import, a ``def``): else the program could read an expected value there, or
answer a comparison itself (an always-equal object, a patched ``math.isclose``). And no operation, here or
there, may take more than one value from the sandbox (outside the program's inputs; ``and``/``or``, lists and
tuples, which only gather, aside): one may be an expected value computed there (``Counter([1, 2])``, a name
the setup defines), which the program can read or rewrite, so ``assert f(1) == EXPECTED`` cannot be checked.
This covers the shapes tests use to compare (a comparison, arithmetic, ``zip``, ``math.isclose``...), not
every flow of data: a test that packs an expected value from the sandbox into a list with the program's value
and compares the two later is not refused.
Unsupported shapes fail the test with ``unsupported test shape: ...`` (step 1 leaves such tasks out): those
above, an assert inside a block (a loop, an ``if``), a block statement other than ``def``, ``class`` and
``for``, a name the test assigned here used by code that runs in the sandbox, and a program-free part that
the check cannot evaluate (an f-string, ``:=``).

A plan's ``steps`` go to the sandbox (``"x" + statement`` or ``"e" + probe``); its ``ops`` are checked here in
order, each with the probe results in place of its ``Probe`` nodes.
"""

from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass

from r1zero.sandbox.verdict import MATH, METHOD_NAMES, NAMES, ORDER_SENSITIVE, describe

MAX_TEST_CHARS = 100_000
_CHECKABLE = (ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp, ast.BoolOp,
              ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Call, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp, ast.Starred, ast.Attribute)
_SPLITTABLE = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Subscript, ast.Slice)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# test logic: never evaluated in the sandbox on the program's values
_LOGIC = (ast.Compare, ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)
# operations that gather or pick their operands, and neither compare nor compute with them: exempt from the rule
# of one value from the sandbox (``assert [f(1), f(2)] == [1, 2]``)
_GATHERING = (ast.BoolOp, ast.IfExp, ast.UnaryOp, ast.List, ast.Tuple, ast.Starred)
# Order-sensitive calls that only iterate their iterated arguments (``_iterated``): the check applies them here
ITERATING = frozenset({"list", "tuple", "sum", "enumerate", "zip", "map", "filter", "join"})
# statements of a test that may run in the sandbox (their parts vetted); any other is an unsupported shape
_THERE = (ast.Expr, ast.Assign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.Delete, ast.Pass, ast.FunctionDef,
          ast.ClassDef, ast.For, ast.Return)


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


def _assigns_names(stmt) -> bool:
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and all(
        isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for n in ast.walk(stmt.targets[0]))


def _is_math(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math"


def _is_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))


def _dunder(name: str) -> bool:
    return name.startswith("__")


def _root(node) -> str | None:
    """The name an attribute chain (``collections.Counter``) starts from."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _show(node) -> str:
    return ast.unparse(node)[:80]


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _iterated(name: str, index: int) -> bool:
    """Whether positional argument ``index`` of the ``ITERATING`` call ``name`` is only iterated."""
    return {"zip": True, "map": index > 0, "filter": index == 1}.get(name, index == 0)


def _without_first_iter(node):
    """A comprehension with its first iterable left out: the part the check evaluates on its items."""
    first = copy.copy(node.generators[0])
    first.iter = ast.Constant(None)
    new = copy.copy(node)
    new.generators = [first, *node.generators[1:]]
    return new


def _operands(node) -> list:
    """The values an operation the check applies combines (a method's object included)."""
    if isinstance(node, ast.Call):
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) and not _is_math(node.func) else []
        return [*receiver, *node.args, *(k.value for k in node.keywords)]
    if isinstance(node, _COMPREHENSIONS):
        return [node.generators[0].iter, _without_first_iter(node)]
    return [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]


class _Splitter:
    def __init__(self, owned: frozenset[str]):
        self.owned = owned  # built-in names that are the program's in this task
        self.steps: list[str] = []
        self.ops: list[Op] = []
        self.here: set[str] = set()  # names the test assigned here
        self.derived: set[str] = set()  # of those, names whose value came from the sandbox
        self.there: set[str] = set()  # names statements in the sandbox bound
        self.brought: set[str] = set()  # of those, what the test brings: its imports, functions, classes

    def run(self, tree: ast.Module) -> Plan:
        for stmt in tree.body:
            self.statement(stmt)
        return Plan(tuple(self.steps), tuple(self.ops))

    def resolvable(self, name: str) -> bool:
        return name in self.here or name not in self.there | self.owned and (name in NAMES or name == "math")

    def needs_program(self, node, local: frozenset = frozenset()) -> bool:
        """Whether ``node`` reads a name of the sandbox; ``local``: comprehension variables, the test's own."""
        return not all(self.resolvable(n) or n in local for n in _free_names(node))

    def from_sandbox(self, node, local: frozenset = frozenset()) -> bool:
        return self.needs_program(node, local) or bool(_free_names(node) & self.derived)

    def statement(self, stmt) -> None:
        after = len(self.steps)
        if isinstance(stmt, ast.Assert):  # its message is left out: it does not decide the verdict
            self.ops.append(Op(self.split(stmt.test), None, after))
        elif _assigns_names(stmt) and not self.needs_program(stmt.value):
            self.check_pure(stmt.value)
            self.ops.append(Op(stmt.value, stmt.targets[0], after))
            self.bind_here(_bound_names(stmt), derived=bool(_free_names(stmt.value) & self.derived))
        elif isinstance(stmt, ast.Import) and all(a.name == "math" and a.asname is None for a in stmt.names):
            self.there.discard("math")  # math is always here
            self.brought.discard("math")
        elif (isinstance(stmt, ast.ImportFrom) and stmt.module == "math" and not stmt.level
              and all(a.name in MATH for a in stmt.names)):
            for a in stmt.names:
                self.ops.append(Op(ast.Attribute(ast.Name("math", ast.Load()), a.name, ast.Load()),
                                   ast.Name(a.asname or a.name, ast.Store()), after))
                self.bind_here({a.asname or a.name}, derived=False)
        elif any(isinstance(n, ast.Assert) for n in ast.walk(stmt)):
            raise _Unsupported(f"an assert inside a {type(stmt).__name__.lower()} block cannot be checked "
                               "outside the sandbox")
        elif _assigns_names(stmt) and self.splittable(stmt.value) and not self.can_run_there(stmt.value):
            self.ops.append(Op(self.split(stmt.value), stmt.targets[0], after))  # test logic: checked here
            self.bind_here(_bound_names(stmt), derived=True)
        else:
            self.vet_statement(stmt)
            self.refuse_here_names(stmt)
            self.steps.append("x" + ast.unparse(stmt))
            bound = _bound_names(stmt)
            self.there |= bound
            self.here -= bound
            self.derived -= bound
            brings = isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))
            (self.brought.update if brings or _free_names(stmt) & self.brought else self.brought.difference_update)(
                bound)

    def bind_here(self, names: set[str], derived: bool) -> None:
        self.here |= names
        self.there -= names
        self.brought -= names
        (self.derived.update if derived else self.derived.difference_update)(names)

    def refuse_here_names(self, node) -> None:
        clash = _free_names(node) & self.here
        if clash:
            raise _Unsupported(f"{sorted(clash)[0]!r} is assigned by the test but used by code that runs in the "
                               "sandbox")

    # --- the check: what stays here

    def split(self, node):
        """``node`` as the check evaluates it, its program parts cut out as probes."""
        if not self.needs_program(node):
            self.check_pure(node)
            return node
        if self.splittable(node):
            return self.rebuild(node)
        return self.probe(node)

    def split_iterated(self, node):
        """``node``, which the check iterates in order: a probe of it is the list of its items, in the order the
        program's value gave them there; a call that only iterates, or a comprehension, is applied here."""
        if not self.needs_program(node):
            self.check_pure(node)
            return node
        if self.splittable(node) and (isinstance(node, _COMPREHENSIONS) or isinstance(node, ast.Call) and _call_name(
                node) in ITERATING | {"sorted"}):  # their order is that of what they iterate, or their own: exact
            return self.rebuild(node)
        if self.can_run_there(node):
            return self.probe(node, items=True)
        if self.splittable(node):
            return self.rebuild(node)  # f(x) + [1]: the order of the check's own operation
        return self.probe(node, items=True)  # raises why not

    def probe(self, node, items: bool = False) -> Probe:
        self.vet(node, False)
        self.refuse_here_names(node)
        if items:
            node = ast.List([ast.Starred(node, ast.Load())], ast.Load())
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
        if isinstance(node, _COMPREHENSIONS):  # the program only in the first iterable: the rest runs here
            return not node.generators[0].is_async and not self.needs_program(_without_first_iter(node))
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
            if name not in ITERATING or name in ("map", "filter") and node.args and self.needs_program(node.args[0]):
                return False  # str(f(x)), map(f, xs): they run there
        return allowed and not any(isinstance(a, ast.Starred) for a in program_args)

    def rebuild(self, node):
        self.one_from_sandbox(node, _operands(node), False, frozenset())
        if isinstance(node, ast.Call):
            func, name = node.func, _call_name(node)
            if isinstance(func, ast.Attribute) and not _is_math(func):
                func = ast.Attribute(self.split(func.value), func.attr, ast.Load())
            iterated = name in ITERATING and any(self.needs_program(a) for a in node.args)
            args = [self.split_iterated(a) if iterated and _iterated(name, k) else self.split(a)
                    for k, a in enumerate(node.args)]
            return ast.Call(func, args, [ast.keyword(k.arg, self.split(k.value)) for k in node.keywords])
        if isinstance(node, _COMPREHENSIONS):
            new = _without_first_iter(node)
            self.check_pure(new)
            new.generators[0].iter = self.split_iterated(node.generators[0].iter)
            return new
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
                raise _Unsupported(f"{type(n).__name__} in a check ({_show(n)})")
            if isinstance(n, ast.Attribute) and not (
                    _is_math(n) and n.attr in MATH or id(n) in called and n.attr in METHOD_NAMES):
                raise _Unsupported(f"attribute .{n.attr} in a check")
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and _is_text(n.left):
                raise _Unsupported("% formatting in a check")
            if isinstance(n, ast.Call) and any(k.arg is None for k in n.keywords):
                raise _Unsupported("** arguments in a check")

    # --- what runs in the sandbox

    def can_run_there(self, node) -> bool:
        try:
            self.vet(node, False)
        except _Unsupported:
            return False
        return not _free_names(node) & self.here

    def vet_statement(self, stmt) -> None:
        """Test code that runs in the sandbox: ``vet`` each of its parts."""
        if not isinstance(stmt, _THERE):
            raise _Unsupported(f"a {type(stmt).__name__.lower()} statement would run in the sandbox, where the "
                               "program decides what it does")
        for value in ast.iter_fields(stmt):
            for v in value[1] if isinstance(value[1], list) else [value[1]]:
                if isinstance(v, ast.stmt):
                    self.vet_statement(v)
                elif isinstance(v, ast.expr):
                    self.vet(v, False)
                elif isinstance(v, ast.keyword):
                    self.vet(v.value, False)
                elif isinstance(v, ast.arguments):
                    params = (*v.posonlyargs, *v.args, *v.kwonlyargs, v.vararg, v.kwarg)
                    for part in (*v.defaults, *v.kw_defaults, *(p.annotation for p in params if p)):
                        if part is not None:
                            self.vet(part, False)

    def vet(self, node, free_ok: bool, local: frozenset = frozenset()) -> None:
        """Refuse test logic in ``node``, which runs in the sandbox (module doc). ``free_ok``: ``node`` is among the
        program's inputs, where a test value may be; ``local``: comprehension variables, test values too."""
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return self.vet_target(node, local)
        if isinstance(node, ast.Name) and _dunder(node.id) or isinstance(node, ast.Attribute) and _dunder(node.attr):
            raise _Unsupported(f"{_show(node)}: dunder names in code that runs in the sandbox")
        if not self.needs_program(node, local):
            if not free_ok:
                raise _Unsupported(f"{_show(node)} would be evaluated in the sandbox, which holds test values only "
                                   "as the program's inputs")
            return
        if isinstance(node, _LOGIC):
            raise _Unsupported(f"{type(node).__name__} on the program's values would run in the sandbox "
                               f"({_show(node)})")
        if isinstance(node, _COMPREHENSIONS):
            return self.vet_comprehension(node, free_ok, local)
        if isinstance(node, ast.Call):
            return self.vet_call(node, free_ok, local)
        if isinstance(node, ast.Subscript):
            self.vet(node.value, free_ok, local)
            return self.vet(node.slice, True, local)
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        self.one_from_sandbox(node, children, free_ok, local)
        for c in children:
            self.vet(c, free_ok, local)

    def vet_call(self, node: ast.Call, free_ok: bool, local: frozenset) -> None:
        func = node.func
        if isinstance(func, ast.Name):  # the program's function, or a built-in (then it takes no test value)
            self.vet(func, True, local)
            takes_inputs = self.needs_program(func, local) and func.id not in self.brought
        elif _is_math(func) and self.resolvable("math"):
            takes_inputs = False
        else:  # a method: the program's, unless it is one of a built-in value the check knows, or a dunder
            self.vet(func, free_ok, local)
            takes_inputs = (self.needs_program(func, local) and _root(func) not in self.brought
                            and not (isinstance(func, ast.Attribute) and func.attr in METHOD_NAMES))
        args = [*node.args, *(k.value for k in node.keywords)]
        self.one_from_sandbox(node, args, free_ok or takes_inputs, local)
        for a in args:
            self.vet(a, free_ok or takes_inputs, local)

    def vet_comprehension(self, node, free_ok: bool, local: frozenset) -> None:
        for gen in node.generators:  # the iterables give the program's calls their inputs
            if gen.is_async:
                raise _Unsupported("async comprehension")
            self.vet(gen.iter, True, local)
            local = local | _bound_names(gen.target)
            for cond in gen.ifs:
                self.vet(cond, free_ok, local)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.vet(part, free_ok, local)

    def vet_target(self, node, local: frozenset) -> None:
        if isinstance(node, (ast.Tuple, ast.List)):
            for e in node.elts:
                self.vet_target(e, local)
        elif isinstance(node, ast.Starred):
            self.vet_target(node.value, local)
        elif isinstance(node, ast.Attribute):
            if _dunder(node.attr):
                raise _Unsupported(f"{_show(node)}: dunder names in code that runs in the sandbox")
            self.vet(node.value, False, local)
        elif isinstance(node, ast.Subscript):
            self.vet(node.value, False, local)
            self.vet(node.slice, True, local)
        elif _dunder(node.id):
            raise _Unsupported(f"{node.id}: dunder names in code that runs in the sandbox")

    def one_from_sandbox(self, node, operands, free_ok: bool, local: frozenset) -> None:
        """Outside the program's inputs, an operation takes at most one value from the sandbox (module doc)."""
        if not free_ok and not isinstance(node, _GATHERING) and sum(
                self.from_sandbox(o, local) for o in operands) > 1:
            raise _Unsupported(f"{_show(node)} takes more than one value from the sandbox, where an expected value "
                               "is the program's to read or rewrite")
