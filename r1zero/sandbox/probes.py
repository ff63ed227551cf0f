"""Tests split for the sandbox: the parts of a test that need the program (probes) run there; the rest, the
check with its expected values, stays here (``r1zero.sandbox.verdict``). The program never sees an expected value, and
no test logic (a comparison, a built-in applied to a test value) runs where the program could decide it.

``plan_tests(tests) -> tuple[Plan, ...]`` plans a task's tests, cached per tuple; ``split_test(text, owned)``
plans one. Both parse and never evaluate. A name belongs to the program unless the check resolves it here:
the pure built-ins of ``_names.NAMES``, ``math``, or a name the test assigned here. The one exception is a
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
What runs in the sandbox, probes and statements alike, is vetted (``r1zero.sandbox._splitter``): no comparison,
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
import functools

from r1zero.sandbox._check_bounds import describe
from r1zero.sandbox._names import NAMES
from r1zero.sandbox._splitter import Op, Plan, Probe, Splitter, Unsupported
from r1zero.sandbox._syntax import free_names

__all__ = ["MAX_TEST_CHARS", "Op", "Plan", "Probe", "plan_tests", "split_test"]

MAX_TEST_CHARS = 100_000


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
        return Splitter(owned).run(tree)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        return Plan(error=describe(exc))
    except Unsupported as exc:
        return Plan(error=f"unsupported test shape: {exc}")
    except (RecursionError, MemoryError):
        return Plan(error="unsupported test shape: nested too deeply")


def _builtin_only(node) -> bool:
    return free_names(node) <= NAMES.keys() | {"math"}


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

