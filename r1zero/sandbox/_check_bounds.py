"""The bounds that keep a check cheap, whatever values the program sends (``r1zero.sandbox.verdict``).

What the check builds from the program's values stays cheap: a sequence or string at most ``MAX_ITEMS`` long, an
int at most ``MAX_INT_BITS`` bits, at most ``MAX_STEPS`` nodes evaluated per test, and a set or dict (decoded, or
built by the check) at most ``MAX_HASH_TIES`` items that share a hash with another (a program could send items that
all hash alike, and building their table takes quadratic time). A value over a bound is not checked: the check
raises ``CheckError``, and the test fails with why.
"""

from __future__ import annotations

import ast
import itertools

MAX_DEPTH = 100  # nesting of a value
MAX_ITEMS = 1_000_000  # length of a sequence or string the check builds
MAX_INT_BITS = 1 << 22  # an int the check builds (about 1.26 million digits)
MAX_STEPS = 1_000_000  # nodes evaluated and items iterated by one test's check
MAX_HASH_TIES = 16  # items of a set or dict that share a hash with another (module doc): honest values have ~0
MAX_PRODUCT_BITS = MAX_INT_BITS * 16  # the partial products of one math.prod, together
MAX_ERROR_CHARS = 300


class CheckError(Exception):
    """The check asked for something this interpreter refuses (a bound, an unsupported operation)."""


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return " ".join(text.split())[:MAX_ERROR_CHARS]


# --- sets and dicts: cheap to build (module doc) ------------------------------------------------------------

VIEWS = (type({}.keys()), type({}.items()))


def few_ties(items: list) -> list:
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


def listed(value) -> list:
    items = list(itertools.islice(value, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise CheckError(f"more than {MAX_ITEMS} items")
    return items


def table(value):
    """What a set is built from: ``value``, or its items once checked (a set, dict or key view already was)."""
    return value if type(value) in (set, frozenset, dict, VIEWS[0]) else few_ties(listed(value))


def keyed(pairs: list) -> list:
    """What a dict is built from: ``pairs``, once its keys are checked."""
    few_ties([p[0] for p in pairs if type(p) in (list, tuple) and len(p) == 2])
    return pairs


def hashing_args(fn, args: list) -> list:
    """The arguments of a call that builds a set or dict, checked (``table``, ``keyed``)."""
    if fn in (set, frozenset) and args:
        return [table(args[0]), *args[1:]]
    if fn is dict and args and type(args[0]) is not dict:
        return [keyed(listed(args[0])), *args[1:]]
    if type(getattr(fn, "__self__", None)) in (set, frozenset):  # union(xs), issubset(xs)... build from xs
        return [table(a) for a in args]
    return args


# --- operations the check applies -----------------------------------------------------------------


def check_power(base, exp, mod=None):
    if mod is None and type(exp) in (int, bool) and type(base) in (int, bool) and exp > 0 and abs(base) > 1:
        if base.bit_length() * exp > MAX_INT_BITS:
            raise CheckError(f"a power of more than {MAX_INT_BITS} bits")


def check_binop(op, a, b):
    if isinstance(op, ast.Pow):
        check_power(a, b)
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


def check_call(fn, args, kwargs):
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


def bounded(out):
    """What an operation of the check built, once its length is within ``MAX_ITEMS`` (sets, dicts and ranges
    are bounded where they are built)."""
    if hasattr(out, "__len__") and not isinstance(out, (dict, set, frozenset, range)) and len(out) > MAX_ITEMS:
        raise CheckError(f"a value of more than {MAX_ITEMS} items")
    return out
