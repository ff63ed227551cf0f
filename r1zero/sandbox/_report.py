"""The harness's report (``r1zero.sandbox.runner``), read strictly: ``json`` and the tags below, nothing evaluated,
bounded in depth.

``read_report(raw, plans) -> (program_error, results) | None``: the report must hold exactly one entry per step of
each plan (fewer only where a statement raised); any other shape, a second report included, is ``None`` and the
caller fails the program (fail closed).

Report: ``["ok", [test, ...]]`` or ``["error", why]``; a test is a list of step results, ``["done"]`` (a
statement ran), ``["value", data]`` (a probe's value) or ``["raised", why]``. Data is JSON's null, booleans,
numbers (floats as ``repr`` writes them, ``NaN`` and ``Infinity`` included) and strings, and tagged lists:
``l`` list, ``t`` tuple, ``s`` set, ``f`` frozenset, ``d`` dict (``[[key, value], ...]``), ``g`` an iterator or
generator (its items), ``k``/``v``/``e`` dict keys/values/items views, ``b``/``y`` bytes/bytearray (hex),
``c`` complex (``[real, imag]``), ``i`` an int beyond 64 bits (hex), ``r`` range (``[start, stop, step]``).
A value over a bound of ``r1zero.sandbox._check_bounds`` is not checked: its probe fails with why, like a value
the harness refused.
"""

from __future__ import annotations

import json

from r1zero.sandbox._check_bounds import MAX_DEPTH, MAX_ERROR_CHARS, MAX_ITEMS, CheckError, few_ties, keyed


class _Malformed(Exception):
    pass


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


_SEQUENCES = {"l": list, "t": tuple, "s": lambda xs: set(few_ties(xs)), "f": lambda xs: frozenset(few_ties(xs)),
              "g": iter, "k": lambda xs: dict.fromkeys(few_ties(xs)).keys(),
              "v": lambda xs: dict(enumerate(xs)).values()}
_MAPPINGS = {"d": lambda pairs: dict(keyed(pairs)), "e": lambda pairs: dict(keyed(pairs)).items()}
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
