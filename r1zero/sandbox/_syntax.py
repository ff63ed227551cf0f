"""What the test splitter (``r1zero.sandbox._splitter``) asks of a test's syntax tree: the names a node reads
and binds, what kind of node it is, and the operands of an operation. Parsing only: nothing is evaluated.
"""

from __future__ import annotations

import ast
import copy

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Order-sensitive calls that only iterate their iterated arguments (``only_iterated``): the check applies them here
ITERATING = frozenset({"list", "tuple", "sum", "enumerate", "zip", "map", "filter", "join"})


def free_names(node) -> set[str]:
    """Names ``node`` reads that it does not bind itself (comprehension targets, lambda parameters)."""
    loads, bound = set(), set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return loads - bound


def bound_names(stmt) -> set[str]:
    names = set()
    for n in ast.walk(stmt):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in n.names)
    return names


def assigns_names(stmt) -> bool:
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and all(
        isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for n in ast.walk(stmt.targets[0]))


def is_math(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math"


def is_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))


def dunder(name: str) -> bool:
    return name.startswith("__")


def root(node) -> str | None:
    """The name an attribute chain (``collections.Counter``) starts from."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def show(node) -> str:
    return ast.unparse(node)[:80]


def call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def only_iterated(name: str, index: int) -> bool:
    """Whether positional argument ``index`` of the ``ITERATING`` call ``name`` is only iterated."""
    return {"zip": True, "map": index > 0, "filter": index == 1}.get(name, index == 0)


def without_first_iter(node):
    """A comprehension with its first iterable left out: the part the check evaluates on its items."""
    first = copy.copy(node.generators[0])
    first.iter = ast.Constant(None)
    new = copy.copy(node)
    new.generators = [first, *node.generators[1:]]
    return new


def operands_of(node) -> list:
    """The values an operation the check applies combines (a method's object included)."""
    if isinstance(node, ast.Call):
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) and not is_math(node.func) else []
        return [*receiver, *node.args, *(k.value for k in node.keywords)]
    if isinstance(node, COMPREHENSIONS):
        return [node.generators[0].iter, without_first_iter(node)]
    return [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]

