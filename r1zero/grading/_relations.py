"""A candidate answer read as a relation: what it claims, and the value it commits to.

A candidate ``x = 2 + 3 = 5`` is a chain: a leading name is a label, the last exact value is the answer and
every other constant must equal it; a value after ``\\approx`` only has to round to it; an inequality states
no value. ``\\pm`` makes two answers. ``chain`` returns the ``Candidate`` objects one text states.
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass

from r1zero.grading._collections import collection_items
from r1zero.grading._normalize import light_clean, normalize, strip_delimiters, unwrap_text
from r1zero.grading._numbers import has_free_variable

MAX_PLUS_MINUS = 2  # a value with more \pm signs is not expanded (2^k answers): it stays one candidate
MAX_CHAIN = 64  # a relation chain with more operators states nothing (honest chains are short; long ones cost)
STATES_NOTHING = "\x01"  # a statement that commits to no value: a negation, a bound ("at least 42")

_REL_OP = re.compile(
    r"\\not\s*(?:=|\\[A-Za-z]+)|\\(?:approx|simeq|neq|ne|leqslant|geqslant|leq|le|geq|ge|lt|gt|in|notin|equiv|subseteq|subset|supset)"
    r"(?![A-Za-z])|<=|>=|!=|:=|==|[=<>≤≥≠≈]")
_EQ_OPS = frozenset({"=", ":=", "=="})
_IMPLIES = re.compile(r"\\(?:Rightarrow|Longrightarrow|implies|iff|Leftrightarrow|Longleftrightarrow|therefore|"
                      r"rightarrow|longrightarrow|to)(?![A-Za-z])|⇒|→|⟹")
# Where "x = 43, x = 42" starts its second statement: a separator, then a name and "="
_NEXT_STATEMENT = re.compile(r"(?:,|;|\\q?quad(?![A-Za-z])|\\lor(?![A-Za-z])|\\vee(?![A-Za-z])|\s)\s*"
                             r"(?=(?:[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+)\s*=(?!=))")
_APPROX_OPS = frozenset({"\\approx", "\\simeq", "≈"})
_MODULUS = re.compile(r"\(?\s*\\(?:pmod|bmod|mod)\s*\{?[^{}()]*\}?\s*\)?|\(\s*\\text\{\s*mod\s*\}[^()]*\)")
PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![A-Za-z])|±|∓")
_LABEL = re.compile(
    r"^(?:\\?[A-Za-z]+(?:_\{?[A-Za-z0-9,+\-]+\}?|\^\{?\\prime\}?|')*"        # x, x_1, a_{n+1}, \theta, f', AB
    r"|[A-Za-z]+\([^()]*\)"                                                    # f(x), f(3), P(A)
    r"|(?:m\s*)?\\(?:angle|measuredangle|triangle|overline|widehat|overarc)\s*\{?[A-Za-z]+\}?"  # \angle ABC
    r"|\((?:[A-Za-z](?:_\w)?\s*,\s*)+[A-Za-z](?:_\w)?\)"                     # (x, y)
    r"|[A-Za-z][A-Za-z ]*[A-Za-z])$")                                          # words: total cost
_NOT_LABELS = re.compile(r"^\\(?:pi|infty|emptyset|varnothing)$|^[eE]$")


@dataclass(frozen=True)
class Candidate:
    """One answer a response states: its ``text`` as written, the ``final`` value it commits to, and the
    ``checks`` its relation makes (``(value, "=")``: equals ``final``; ``(value, "≈")``: rounds to it)."""

    text: str
    final: str
    checks: tuple[tuple[str, str], ...] = ()
    relation: str = ""  # "" (a value), "equation", "approx", "membership" or "inequality"


def _top_level(s: str, pattern: re.Pattern) -> list[re.Match]:
    """The non-empty matches of ``pattern`` outside any bracket (``\\{x : x > 0\\}`` holds no relation at its
    top level)."""
    marks = {m.start(): m for m in pattern.finditer(s) if m.end() > m.start()}
    found, depth, i = [], 0, 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and i in marks:
            found.append(marks[i])
            i = marks[i].end()
            continue
        i += 1
    return found


def _top_level_relations(s: str) -> list[re.Match]:
    return _top_level(s, _REL_OP)


def _split_top_level(s: str, separator: re.Pattern, after_value: bool = False) -> list[str]:
    """``s`` split where ``separator`` matches outside any bracket; ``after_value``: only where the text
    before ends with a value (a digit, a letter, a closing bracket), not an operator (``x = y = 3``)."""
    parts, at = [], 0
    for m in _top_level(s, separator):
        before = s[:m.start()].rstrip()
        if not after_value or (before and (before[-1].isalnum() or before[-1] in ")]}")):
            parts.append(s[at:m.start()])
            at = m.end()
    parts.append(s[at:])
    parts = [p.strip() for p in parts]
    return [p for p in parts if p] or [s]


def is_relation(text: str) -> bool:
    """``text`` (an answer or a gold) is a relation at its top level: ``x = 3``, ``y = 2x + 3``, ``x > 1``."""
    return bool(_top_level_relations(light_clean(unwrap_text(text))))


def assignment_value(text: str) -> str | None:
    """The value of ``name = value`` or ``name \\in value`` (``x = 3``, ``x \\in [2, 5)``); None for any other
    text, such as an equation between expressions (``2x + 4y - 3 = 0``) or a chain."""
    cleaned = strip_delimiters(unwrap_text(text)).strip()
    ops = _top_level_relations(cleaned)
    if len(ops) != 1 or ops[0].group() not in _EQ_OPS | {"\\in"}:
        return None
    name, value = cleaned[:ops[0].start()].strip(), cleaned[ops[0].end():].strip()
    return value if value and is_label(name) else None


def is_label(segment: str) -> bool:
    """A name an answer assigns to (``x``, ``a_n``, ``f(3)``, ``AB``, ``\\angle ABC``, "total cost")."""
    s = segment.strip()
    return 0 < len(s) <= 40 and _LABEL.match(s) is not None and _NOT_LABELS.match(s) is None


def chain(text: str) -> list[Candidate]:
    """One candidate text read as a relation chain (see the module doc), with ``\\pm`` expanded. The values
    keep their spelling (``11,\\! 111`` is one number, ``11, 111`` two). Several statements (``x = 43, x =
    42``) are several candidates; of an implication (``\\Rightarrow``), the last statement is the answer, and
    between two values it claims they are equal (``2+2 \\Rightarrow 5`` is false)."""
    if text == STATES_NOTHING:
        return [Candidate(text, "", relation="inequality")]
    cleaned = strip_delimiters(unwrap_text(text)).strip()
    parts = _split_top_level(cleaned, _NEXT_STATEMENT, after_value=True)
    if len(parts) > 1:
        return [c for part in parts for c in chain(part)]
    steps = _split_top_level(cleaned, _IMPLIES)
    if len(steps) > 1:
        cleaned = steps[-1] if any(_top_level_relations(p) for p in steps) else " = ".join(steps)
        text = cleaned  # the statement the implication ends on is the one compared
    ops = _top_level_relations(cleaned)
    if not ops:
        return [Candidate(text.strip(), f) for f in expand_plus_minus(cleaned)]
    if len(ops) > MAX_CHAIN:
        return [Candidate(text.strip(), "", relation="inequality")]
    segments, kinds, at = [], [], 0
    for m in ops:
        segments.append(cleaned[at:m.start()].strip())
        kinds.append(m.group())
        at = m.end()
    segments.append(cleaned[at:].strip())
    if "\\in" in kinds and len(kinds) == 1 and is_label(segments[0]):
        return [Candidate(text.strip(), f, relation="membership") for f in plus_minus(segments[1])]
    if "\\equiv" in kinds and set(kinds) <= _EQ_OPS | {"\\equiv"}:
        if _MODULUS.search(segments[-1]):  # 129^{34} \equiv 9 \pmod{11}: a residue
            return [Candidate(text.strip(), _MODULUS.sub("", segments[-1]).strip(), relation="congruence")]
        kinds = ["=" for _ in kinds]  # without a modulus, \equiv claims equality: 2+2 \equiv 5 is false
    if any(k not in _EQ_OPS | _APPROX_OPS for k in kinds):
        return [Candidate(text.strip(), cleaned, relation="inequality")]
    if len(segments) == 2 and is_label(segments[1]) and not is_label(segments[0]):
        segments.reverse()  # "42 = x" states x = 42
    if is_label(segments[0]):
        segments = segments[1:]  # kinds[i] now stands before segments[i]
    else:
        kinds = ["=", *kinds]
    approximate = list(itertools.accumulate((k in _APPROX_OPS for k in kinds), operator.or_))
    exact = [s for s, a in zip(segments, approximate, strict=True) if not a]
    rounded = [s for s, a in zip(segments, approximate, strict=True) if a]
    if exact:  # the last exact value is the answer; the other constants equal it, the rounded ones round to it
        final = exact[-1]
        checks = [(s, "=") for s in exact[:-1] if not _names_a_quantity(s)] + [(s, "≈") for s in rounded]
    else:  # "x \approx 1.73": the first approximation is the answer
        final, checks = rounded[0], [(s, "≈") for s in rounded[1:]]
    if not final or any(not s for s, _ in checks):
        return [Candidate(text.strip(), "", relation="inequality")]  # "x =": states nothing
    relation = "approx" if rounded else "equation"
    return [Candidate(text.strip(), f, tuple(checks), relation) for f in expand_plus_minus(final)]


def _names_a_quantity(segment: str) -> bool:
    """An expression in variables (``x - p``, ``f(-2)+f(-1)``) names the quantity a chain computes: only
    constants are checked against the answer."""
    return has_free_variable(normalize(segment) or segment)


def expand_plus_minus(value: str) -> list[str]:
    """``plus_minus``, item by item in a set or bare list (``\\{1 \\pm \\sqrt{5}, -2\\}`` is one list of three)."""
    items = collection_items(value)
    if items and any(PLUS_MINUS.search(i) for i in items):
        return [", ".join(e for i in items for e in plus_minus(i.strip()))]
    return plus_minus(value)


def plus_minus(value: str) -> list[str]:
    """``a \\pm b`` is the two answers ``a + b`` and ``a - b`` (``\\mp`` the other way round); at most
    ``MAX_PLUS_MINUS`` signs are expanded."""
    signs = list(PLUS_MINUS.finditer(value))
    if not signs or len(signs) > MAX_PLUS_MINUS:
        return [value]
    out = []
    for choice in range(2 ** len(signs)):
        parts, at = [], 0
        for k, m in enumerate(signs):
            plus = not (choice >> k) & 1
            if m.group() in ("\\mp", "∓"):
                plus = not plus
            parts += [value[at:m.start()], "+" if plus else "-"]
            at = m.end()
        parts.append(value[at:])
        expanded = "".join(parts).strip()
        out.append(expanded[1:].strip() if expanded.startswith("+") else expanded)
    return list(dict.fromkeys(out))
