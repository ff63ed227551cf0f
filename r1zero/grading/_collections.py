"""Collections: comma lists, sets, tuples and intervals read from their brackets, and compared item by item
(bracket type is significant; a bare list answers a point or tuple only in its order, never an interval).
"""

from __future__ import annotations

import re

from r1zero.core.latex import split_top_level
from r1zero.grading._normalize import normalize, strip_delimiters
from r1zero.grading._numbers import parse_number, values_equal
from r1zero.grading._values import eval_constant

SPACED_LIST = re.compile(r"\d\s*,\s+[-+]?\.?\d")  # "1, 2" (a list), unlike "1,234" or "11,\\! 111"


def _brackets(s: str) -> tuple[str, str, str]:
    """(kind, inner text, closing) where kind is "set", "(", "[" or "" for no outer bracket pair."""
    if s.startswith("\\{") and s.endswith("\\}"):
        inner = s[2:-2]
        return ("set", inner, "}") if split_top_level(inner) is not None else ("", s, "")
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]":
        inner = s[1:-1]
        if split_top_level(inner) is not None:
            return s[0], inner, s[-1]
    return "", s, ""


def collection_items(s: str) -> list[str] | None:
    """The items of a bare comma list or a set (``1, -2``, ``\\{1, -2\\}``), else None (tuples too)."""
    found = collection(strip_delimiters(s))
    return found[1] if found and found[0][0] in ("", "set") else None


def collection(s: str):
    """(kind, elements) for a comma-separated collection, or None for a single item."""
    kind, inner, close = _brackets(s)
    parts = split_top_level(inner)
    if parts is None or len(parts) < 2:
        return None
    return (kind, close), parts


def several_answers(gold: str) -> bool:
    """A gold holding several answers: a bare comma list (``1, -2``) or a set (``\\{1, -2\\}``), not a tuple,
    an interval or one number with thousands separators (``10,455``)."""
    g = normalize(gold)
    if not g or (parse_number(g) and not SPACED_LIST.search(gold)):
        return False
    found = collection(g)
    return found is not None and found[0][0] in ("", "set")


def collections_equal(pc, gc) -> bool | None:
    """Two sets, tuples, intervals or lists (``collection``'s readings) compared item by item."""
    (p_kind, p_close), p_items = pc
    (g_kind, g_close), g_items = gc
    if (p_kind == "set") != (g_kind == "set") and p_kind and g_kind:
        return False  # a set is never a tuple or an interval: bracket type is significant
    if not p_kind and g_kind in ("(", "["):
        if may_be_interval(g_items, g_kind + g_close):
            return False  # "2,5" never answers [2,5), (2,5], [2,5] or (2,5): the ends are the answer
        p_kind, p_close = g_kind, g_close  # a bare list answers a point or tuple in its order only
    pairs = {(x, y): values_equal(x, y) for x in p_items for y in g_items}
    if None in pairs.values():
        return None
    if not p_kind and not g_kind:  # two bare lists: the same answers, each as often (1, 2 is not 1, 1, 2)
        return len(p_items) == len(g_items) and _matched(p_items, g_items, pairs)
    if p_kind in ("set", ""):  # a set: unordered, duplicates collapse: {1,1,2} = {1,2}
        return all(any(pairs[x, y] for x in p_items) for y in g_items) and all(
            any(pairs[x, y] for y in g_items) for x in p_items
        )
    if len(p_items) != len(g_items) or p_kind != g_kind or p_close != g_close:
        return False  # (1,2) vs [1,2) or [1,2]: different intervals (or a point and an interval)
    return all(pairs[x, y] for x, y in zip(p_items, g_items, strict=True))


def _matched(p_items: list[str], g_items: list[str], pairs: dict) -> bool:
    """Each answer paired with its own equal gold item (greedy: equality here is exact, so it is enough)."""
    free = list(range(len(g_items)))
    for x in p_items:
        k = next((k for k in free if pairs[x, g_items[k]]), None)
        if k is None:
            return False
        free.remove(k)
    return True


def may_be_interval(items: list[str], brackets: str) -> bool:
    """True unless a bracketed pair is surely a point: ``(3,-1)`` is a point (its ends decrease), ``(2,5)``,
    ``[0,\\infty)`` and ``(a,b)`` may be intervals. Tuples of three or more are never intervals."""
    if len(items) != 2 or brackets not in ("()", "[]", "(]", "[)"):
        return False
    if any("infty" in item for item in items):
        return True
    ends = [eval_constant(item.strip()) for item in items]
    return None in ends or ends[0] < ends[1]


def bare_list_in_gold_brackets(pred: str, gold: str) -> str | None:
    """A bare list answering a bracketed gold, rewritten in the gold's brackets so that order counts
    (``-1,3`` against ``(3,-1)`` becomes ``(-1,3)``, which is wrong); "" when the gold may be an interval
    (never equal to a bare list); None when ``pred`` is no bare list or ``gold`` no tuple or interval."""
    pc, gc = collection(pred), collection(gold)
    if pc is None or gc is None or pc[0][0] or gc[0][0] not in ("(", "["):
        return None
    (g_kind, g_close), g_items = gc
    if may_be_interval(g_items, g_kind + g_close):
        return ""
    return f"{g_kind}{pred}{g_close}"
