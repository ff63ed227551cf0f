"""The splitter of one test into a plan: the steps that run in the sandbox, and the ops the check evaluates here.
``r1zero.sandbox.probes``'s module doc states the rules it follows; ``Splitter.vet`` refuses test logic in what
would run in the sandbox.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from r1zero.sandbox._names import MATH, METHOD_NAMES, NAMES, ORDER_SENSITIVE
from r1zero.sandbox._syntax import (
    COMPREHENSIONS,
    ITERATING,
    assigns_names,
    bound_names,
    call_name,
    dunder,
    free_names,
    is_math,
    is_text,
    only_iterated,
    operands_of,
    root,
    show,
    without_first_iter,
)

_CHECKABLE = (ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp, ast.BoolOp,
              ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Call, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp, ast.Starred, ast.Attribute)
_SPLITTABLE = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Subscript, ast.Slice)
# test logic: never evaluated in the sandbox on the program's values
_LOGIC = (ast.Compare, ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)
# operations that gather or pick their operands, and neither compare nor compute with them: exempt from the rule
# of one value from the sandbox (``assert [f(1), f(2)] == [1, 2]``)
_GATHERING = (ast.BoolOp, ast.IfExp, ast.UnaryOp, ast.List, ast.Tuple, ast.Starred)
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


class Unsupported(Exception):
    pass


class Splitter:
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
        return not all(self.resolvable(n) or n in local for n in free_names(node))

    def from_sandbox(self, node, local: frozenset = frozenset()) -> bool:
        return self.needs_program(node, local) or bool(free_names(node) & self.derived)

    def statement(self, stmt) -> None:
        after = len(self.steps)
        if isinstance(stmt, ast.Assert):  # its message is left out: it does not decide the verdict
            self.ops.append(Op(self.split(stmt.test), None, after))
        elif assigns_names(stmt) and not self.needs_program(stmt.value):
            self.check_pure(stmt.value)
            self.ops.append(Op(stmt.value, stmt.targets[0], after))
            self.bind_here(bound_names(stmt), derived=bool(free_names(stmt.value) & self.derived))
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
            raise Unsupported(f"an assert inside a {type(stmt).__name__.lower()} block cannot be checked "
                               "outside the sandbox")
        elif assigns_names(stmt) and self.splittable(stmt.value) and not self.can_run_there(stmt.value):
            self.ops.append(Op(self.split(stmt.value), stmt.targets[0], after))  # test logic: checked here
            self.bind_here(bound_names(stmt), derived=True)
        else:
            self.vet_statement(stmt)
            self.refuse_here_names(stmt)
            self.steps.append("x" + ast.unparse(stmt))
            bound = bound_names(stmt)
            self.there |= bound
            self.here -= bound
            self.derived -= bound
            brings = isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))
            (self.brought.update if brings or free_names(stmt) & self.brought else self.brought.difference_update)(
                bound)

    def bind_here(self, names: set[str], derived: bool) -> None:
        self.here |= names
        self.there -= names
        self.brought -= names
        (self.derived.update if derived else self.derived.difference_update)(names)

    def refuse_here_names(self, node) -> None:
        clash = free_names(node) & self.here
        if clash:
            raise Unsupported(f"{sorted(clash)[0]!r} is assigned by the test but used by code that runs in the "
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
        if self.splittable(node) and (isinstance(node, COMPREHENSIONS) or isinstance(node, ast.Call) and call_name(
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
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and is_text(node.left):
            return False
        if isinstance(node, _SPLITTABLE):
            return True
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return not any(isinstance(e, ast.Starred) and self.needs_program(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return True
        if isinstance(node, COMPREHENSIONS):  # the program only in the first iterable: the rest runs here
            return not node.generators[0].is_async and not self.needs_program(without_first_iter(node))
        if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            allowed, name = self.resolvable(func.id), func.id
        elif is_math(func) and self.resolvable("math"):
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
        self.one_from_sandbox(node, operands_of(node), False, frozenset())
        if isinstance(node, ast.Call):
            func, name = node.func, call_name(node)
            if isinstance(func, ast.Attribute) and not is_math(func):
                func = ast.Attribute(self.split(func.value), func.attr, ast.Load())
            iterated = name in ITERATING and any(self.needs_program(a) for a in node.args)
            args = [self.split_iterated(a) if iterated and only_iterated(name, k) else self.split(a)
                    for k, a in enumerate(node.args)]
            return ast.Call(func, args, [ast.keyword(k.arg, self.split(k.value)) for k in node.keywords])
        if isinstance(node, COMPREHENSIONS):
            new = without_first_iter(node)
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
                raise Unsupported(f"{type(n).__name__} in a check ({show(n)})")
            if isinstance(n, ast.Attribute) and not (
                    is_math(n) and n.attr in MATH or id(n) in called and n.attr in METHOD_NAMES):
                raise Unsupported(f"attribute .{n.attr} in a check")
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and is_text(n.left):
                raise Unsupported("% formatting in a check")
            if isinstance(n, ast.Call) and any(k.arg is None for k in n.keywords):
                raise Unsupported("** arguments in a check")

    # --- what runs in the sandbox

    def can_run_there(self, node) -> bool:
        try:
            self.vet(node, False)
        except Unsupported:
            return False
        return not free_names(node) & self.here

    def vet_statement(self, stmt) -> None:
        """Test code that runs in the sandbox: ``vet`` each of its parts."""
        if not isinstance(stmt, _THERE):
            raise Unsupported(f"a {type(stmt).__name__.lower()} statement would run in the sandbox, where the "
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
        if isinstance(node, ast.Name) and dunder(node.id) or isinstance(node, ast.Attribute) and dunder(node.attr):
            raise Unsupported(f"{show(node)}: dunder names in code that runs in the sandbox")
        if not self.needs_program(node, local):
            if not free_ok:
                raise Unsupported(f"{show(node)} would be evaluated in the sandbox, which holds test values only "
                                   "as the program's inputs")
            return
        if isinstance(node, _LOGIC):
            raise Unsupported(f"{type(node).__name__} on the program's values would run in the sandbox "
                               f"({show(node)})")
        if isinstance(node, COMPREHENSIONS):
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
        elif is_math(func) and self.resolvable("math"):
            takes_inputs = False
        else:  # a method: the program's, unless it is one of a built-in value the check knows, or a dunder
            self.vet(func, free_ok, local)
            takes_inputs = (self.needs_program(func, local) and root(func) not in self.brought
                            and not (isinstance(func, ast.Attribute) and func.attr in METHOD_NAMES))
        args = [*node.args, *(k.value for k in node.keywords)]
        self.one_from_sandbox(node, args, free_ok or takes_inputs, local)
        for a in args:
            self.vet(a, free_ok or takes_inputs, local)

    def vet_comprehension(self, node, free_ok: bool, local: frozenset) -> None:
        for gen in node.generators:  # the iterables give the program's calls their inputs
            if gen.is_async:
                raise Unsupported("async comprehension")
            self.vet(gen.iter, True, local)
            local = local | bound_names(gen.target)
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
            if dunder(node.attr):
                raise Unsupported(f"{show(node)}: dunder names in code that runs in the sandbox")
            self.vet(node.value, False, local)
        elif isinstance(node, ast.Subscript):
            self.vet(node.value, False, local)
            self.vet(node.slice, True, local)
        elif dunder(node.id):
            raise Unsupported(f"{node.id}: dunder names in code that runs in the sandbox")

    def one_from_sandbox(self, node, operands, free_ok: bool, local: frozenset) -> None:
        """Outside the program's inputs, an operation takes at most one value from the sandbox (module doc)."""
        if not free_ok and not isinstance(node, _GATHERING) and sum(
                self.from_sandbox(o, local) for o in operands) > 1:
            raise Unsupported(f"{show(node)} takes more than one value from the sandbox, where an expected value "
                               "is the program's to read or rewrite")
