"""What a check may use: the built-ins, ``math`` functions and methods it resolves here, bounded in cost where they
could be costly (``r1zero.sandbox._check_bounds``). Every other name is the program's (``r1zero.sandbox.probes``).
"""

from __future__ import annotations

import ast
import math

from r1zero.sandbox._check_bounds import (
    MAX_ITEMS,
    MAX_PRODUCT_BITS,
    CheckError,
    check_binop,
    check_power,
    listed,
)


def _bounded_range(*args):
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise CheckError(f"range of more than {MAX_ITEMS} items")
    return r


def _bounded_pow(base, exp, mod=None):
    check_power(base, exp, mod)
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
    items = listed(iterable)  # sequences: each step copies the sum so far
    if len(items) * (len(start) + sum(len(x) for x in items if hasattr(x, "__len__"))) > MAX_ITEMS:
        raise CheckError(f"a sum of sequences that copies more than {MAX_ITEMS} items")
    return sum(items, start)


def _bounded_prod(iterable, /, *, start=1):
    out, bits = start, 0
    for item in iterable:  # as math.prod multiplies, bounded like the check's own products
        check_binop(ast.Mult(), out, item)
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
# only iterate it (``r1zero.sandbox._syntax.ITERATING``) get its items as the sandbox iterated them, in the order the
# program saw (sets: PYTHONHASHSEED=0; here a set's order is another); the others run there.
ORDER_SENSITIVE = frozenset({"list", "tuple", "str", "repr", "sum", "enumerate", "zip", "map", "filter", "iter",
                             "next", "reversed", "join"})
