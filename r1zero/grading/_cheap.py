"""The cheap layer of the grader: ``cheap_equal``, run in the calling process before any worker.

Pure Python with bounded work (inputs longer than ``MAX_CHEAP_LEN`` are left undecided, no regex can
backtrack badly, no big powers are computed), so it runs without a time limit. It compares normalised text
(``_normalize``), numbers and constants (``_numbers``) and collections (``_collections``). ``cheap_equal``
returns True or False when it can decide and None when the answer must go to the math-verify layer
(``r1zero.grading._worker``), which runs in worker processes under a hard time limit.
"""

from __future__ import annotations

import re

from r1zero.grading._collections import SPACED_LIST, collection, collections_equal
from r1zero.grading._normalize import NUM, light_clean, normalize
from r1zero.grading._numbers import NUMBER_RE, has_free_variable, numbers_equal, parse_number, values_equal
from r1zero.grading._values import eval_constant

_BASE_NUMBER = re.compile(r"^(\w+)_\{?(\d+)\}?$")  # 52_8: digits in a base
_MC_RE = re.compile(r"^\(?([A-Ea-e])\)?[.:]?$")
_MC_PREFIX_RE = re.compile(r"^(?:\(([A-E])\)|([A-E])[).:])")  # "(E) 12", "E) 12", "E. 12"
_MC_ANY = re.compile(r"\(\s*[A-Ea-e]\s*\)|(?<![A-Za-z])[A-E](?![A-Za-z])")  # another choice after the first
# A gold's "1,22" or "0,111" is a decimal comma (math-verify's reading), but only against a plain decimal answer
_GOLD_DECIMAL_COMMA = re.compile(r"^[+-]?(?:0,\d+|\d+,\d{1,2})$")
_LISTED = re.compile(r"\$\s*,\s*\$|,\s")  # "$69$,$84$", "1, 3": several answers, whatever the digits
_PLAIN_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
_GLUED_UNIT = re.compile(rf"^((?:{NUM}))[mgsLhKNJWVA](?:\^\{{?-?\d\}}?)?$")
_NUMBER_TIMES_LETTER = re.compile(r"^[+-]?\d+(?:\.\d+)?[A-Za-z]")  # "6t"; "6 t" is six of a unit t
_RELATION = re.compile(r"[=<>]|\\(?:le|ge|leq|geq|neq|ne|in|approx|lt|gt)(?![A-Za-z])")


def cheap_equal(pred: str, gold: str) -> bool | None:
    """True or False when the cheap layers can decide that ``pred`` equals ``gold``; None otherwise."""
    p, g = normalize(pred), normalize(gold)
    if p is None or g is None:
        return None
    if not p:
        return False
    # the same text once spaces are gone, and a list on both sides or on neither: "1,500" is one number and
    # "1, 500" two, so neither answers the other (one answer is read one way, whatever the gold)
    if p == g and bool(SPACED_LIST.search(pred)) == bool(SPACED_LIST.search(gold)):
        return True
    if p.isalpha() and g.isalpha() and p.lower() == g.lower():
        return True
    if (unit := _GLUED_UNIT.match(p)) and not re.search(r"[A-Za-z]", g):
        p = unit.group(1)  # "1,000.99m²" against a plain number: a unit; against "6m", "6m^2" is no unit
    gm = _MC_RE.match(g)
    pm = _MC_RE.match(p) or _MC_PREFIX_RE.match(p)
    if gm and pm and not (pm.re is _MC_PREFIX_RE and _MC_ANY.search(p[pm.end():])):  # "(B) 12", not "(C), (A)"
        return (pm.group(1) or pm.group(2)).upper() == gm.group(1).upper()  # multiple choice: the letter decides
    if (base := _base_numbers_equal(p, g)) is not None:
        return base
    # an answer's comma is never a decimal point: "1,5" would then pay on both 1.5 and the list "1, 5"
    if _GOLD_DECIMAL_COMMA.match(g) and _PLAIN_DECIMAL.match(p) and not _LISTED.search(gold):
        g = g.replace(",", ".")  # a gold "1,22" is 1.22 (math-verify's reading); "2500,7500" and "$1$,$3$" are lists
    # "32, 349" is a list of two numbers, "32,349" one number: a space after a comma makes it a list
    pn = None if SPACED_LIST.search(pred) else parse_number(p)
    gn = None if SPACED_LIST.search(gold) else parse_number(g)
    if pn and gn:
        return numbers_equal(pn, gn)
    if gn and _MC_RE.match(p):
        return False  # a choice letter is not a number, even "E" (math-verify would read Euler's e)
    # a number with thousands separators ("40,000") is one value, never a list
    pc, gc = None if pn else collection(p), None if gn else collection(g)
    if pc and gc:
        return collections_equal(pc, gc)
    if pc is None and gc is None and (decided := values_equal(p, g)) is not None:
        return decided
    return False if _shapes_differ(pred, p, g, pn, gn, pc, gc) else None


def _base_numbers_equal(p: str, g: str) -> bool | None:
    """Numbers written in a base (``52_8``): the same digits, and the same base when both name one; None when
    neither side is one."""
    pb, gb = _BASE_NUMBER.match(p), _BASE_NUMBER.match(g)
    if not pb and not gb:
        return None
    digits = lambda m, s: m.group(1) if m else s  # noqa: E731
    if pb and gb and pb.group(2) != gb.group(2):
        return False
    return digits(pb, p).lower() == digits(gb, g).lower()


def _shapes_differ(pred: str, p: str, g: str, pn, gn, pc, gc) -> bool:
    """True when the answer and the gold cannot be equal by their shapes alone (one value against several, a
    number against no math, a constant against an expression in variables)."""
    if pc is None and gc is not None and gc[0][0] in ("set", "") and pn:
        return True  # one number against several answers
    if gc is None and pc is not None and pc[0][0] in ("set", "") and gn and SPACED_LIST.search(pred):
        return True  # several numbers ("32, 349") against one
    if gn and pn is None and not re.search(r"[\\^a-zA-Z]", p) and NUMBER_RE.search(p) is None:
        return True  # a number against an answer with no digits and no math at all
    if gn and _NUMBER_TIMES_LETTER.match(light_clean(pred)):
        return True  # "6t", "2h": a number times a variable is not a number (math-verify would drop the letter)
    if pc is None and (pn or eval_constant(p) is not None):
        if gc is not None or g.startswith("\\begin{"):
            return True  # one value against a tuple, an interval, a list or a matrix
        if has_free_variable(g) and not _RELATION.search(g):
            return True  # a constant against an expression in variables (x^2+1, C_1 e^{t}); not x = 3
    return False
