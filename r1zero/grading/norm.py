"""The cheap layers of the grader: answer extraction, normalisation and exact number comparison.

Pure Python with bounded work (inputs longer than ``MAX_CHEAP_LEN`` are left undecided, no regex can
backtrack badly, no big powers are computed), so it runs in the calling process without a time limit.
``cheap_equal`` returns True or False when it can decide and None when the answer must go to the
math-verify layer (``r1zero.grading.worker``), which runs in worker processes under a hard time limit.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

from r1zero.core.latex import split_top_level
from r1zero.grading.values import Exact, eval_constant, eval_exact

MAX_CHEAP_LEN = 400
# A decimal answer matches within a relative 1e-4 (Qwen2.5-Math / CS336 numeric_equal): 1.732 for sqrt(3),
# 3.1416 for pi, 0.0833333 for 1/12; 3.14 for pi or 0.33 for 1/3 are too coarse. Integers compare exactly.
DECIMAL_REL_TOL = 1e-4
CLOSED_FORM_REL_TOL = 1e-9  # two closed forms (3\sqrt{2} and \sqrt{18}) evaluated in floating point

_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_TEXT_CMDS = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname|textnormal)\s*\{([^{}]*)\}")
_EMPHASIS = re.compile(r"\*\*([^*]+)\*\*|(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])|\{\\(?:bf|it|rm)\s+([^{}]*)\}"
                       r"|\\(?:bm|boldsymbol|underline|emph|(?:text)?color\s*\{[^{}]*\})\s*\{([^{}]*)\}")
_BASE_NUMBER = re.compile(r"^(\w+)_\{?(\d+)\}?$")  # 52_8: digits in a base
_SPACING = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|~|\\displaystyle|\\left|\\right|\\big[lr]?|\\Big[lr]?")
_DEGREES = re.compile(r"\^\s*\{?\\circ\}?|°|\\degree|\^\s*\{\\text\{o\}\}")
_LEAD_PHRASE = re.compile(
    r"^(?:the\s+)?(?:final\s+)?(?:answer|result|solution)\s*(?:is|:|=)\s*|^therefore,?\s*", re.IGNORECASE
)
_ASSIGN = re.compile(r"^[A-Za-z](?:_\{?\w{1,3}\}?)?\s*(?:=|\\approx)\s*(?=[^=]+$)")
_MC_RE = re.compile(r"^\(?([A-Ea-e])\)?[.:]?$")
_MC_PREFIX_RE = re.compile(r"^(?:\(([A-E])\)|([A-E])[).:])")  # "(E) 12", "E) 12", "E. 12"
_MC_ANY = re.compile(r"\(\s*[A-Ea-e]\s*\)|(?<![A-Za-z])[A-E](?![A-Za-z])")  # another choice after the first
# "1000,99" or "0,111" is a decimal comma, but only read so against a plain decimal on the other side:
# a bare "1,2" is more often a list of two answers.
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:0,\d+|\d+,(?:\d{1,2}|\d{4,}))$")
_GOLD_DECIMAL_COMMA = re.compile(r"^[+-]?(?:0,\d+|\d+,\d{1,2})$")
_LISTED = re.compile(r"\$\s*,\s*\$|,\s")  # "$69$,$84$", "1, 3": several answers, whatever the digits
_PLAIN_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
_SPACED_LIST = re.compile(r"\d\s*,\s+[-+]?\.?\d")  # "1, 2" (a list), unlike "1,234" or "11,\\! 111"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A number as written in an answer: sign, digits with optional thousands groups, decimals.
_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_GLUED_UNIT = re.compile(rf"^((?:{_NUM}))[mgsLhKNJWVA](?:\^\{{?-?\d\}}?)?$")
_NUMBER_TIMES_LETTER = re.compile(r"^[+-]?\d+(?:\.\d+)?[A-Za-z]")  # "6t"; "6 t" is six of a unit t
NUMBER_RE = re.compile(rf"({_NUM})")
_PLAIN_RE = re.compile(rf"^({_NUM})$")
_SCI_RE = re.compile(rf"^({_NUM})(?:e([+-]?\d{{1,3}})|(?:\\times|\\cdot|\*|x)10\^\{{?([+-]?\d{{1,3}})\}}?)$")
_POW_RE = re.compile(r"^([+-]?\d{1,6})\^\{?(\d{1,3})\}?$")
_FRAC_RE = re.compile(rf"^([+-]?)(\d+)?\\frac\{{({_NUM})\}}\{{({_NUM})\}}$")
_FRAC_SHORT_RE = re.compile(r"^([+-]?)\\frac(\d)(\d)$")
_SLASH_RE = re.compile(rf"^({_NUM})/({_NUM})$")
# Trailing units after a number: a word of two or more letters, or one of a few one-letter units. A lone
# variable such as "x" or "b" is NOT a unit ("(a+5)(b+2)" must keep its letters), nor are math words.
_NUM_THEN_TAIL = re.compile(rf"^((?:{_NUM})(?:\s*(?:\\times|\\cdot)\s*10\^\{{?[+-]?\d{{1,3}}\}}?)?)\s*([A-Za-z].*)$")
_WORD_UNITS = re.compile(r"^[A-Za-z]{2,}\.?(?:[\s/^.\-{}]+[A-Za-z0-9]+)*[{}]*\.?$")
_LETTER_UNIT = re.compile(r"^[mgsLhKNJWVA](?:\^?\d)?(?:/[A-Za-z]{1,3}(?:\^?\d)?)?$")
_NOT_UNITS = {"sqrt", "pi", "and", "or", "to", "times", "cdot", "log", "ln", "sin", "cos", "tan", "exp",
              "frac", "i", "e", "x", "y", "n", "mod", "pm", "infty", "over", "plus", "minus"}


def strip_delimiters(s: str) -> str:
    """Remove math delimiters, sizing and spacing commands, and a trailing full stop."""
    s = s.strip()
    for _ in range(3):
        before = s
        for left, right in _WRAPPERS:
            if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s = s[len(left) : len(s) - len(right)].strip()
        if not s.endswith("..."):  # an ellipsis ("1, 2, 3, ...") is part of the answer
            s = s.rstrip(".").rstrip("\\").strip()
            if s.endswith(","):
                s = s[:-1].strip()  # sentence punctuation inside the math: "$\\frac{1}{3},$"
        if s == before:
            break
    return s


@functools.lru_cache(maxsize=1 << 16)
def strip_emphasis(s: str) -> str:
    """``**42**``, ``\\bm{42}``, ``\\underline{42}``, ``\\color{blue}{42}``, ``{\\bf 42}`` -> ``42``: the emphasis
    is not the answer."""
    for _ in range(3):
        s = _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), s)
    return s


@functools.lru_cache(maxsize=1 << 16)
def light_clean(s: str) -> str:
    """The clean-up both layers share: delimiters, frac variants, spacing, ``\\%``, degrees, emphasis."""
    s = strip_delimiters(strip_emphasis(s)).replace("\u2212", "-").replace("²", "^2").replace("³", "^3")
    s = s.replace("∞", "\\infty")  # unicode minus, powers, infinity
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = _SPACING.sub(" ", s)
    s = s.replace("\\%", "%").replace("\\$", "").replace("$", "").replace("{,}", ",")
    s = _DEGREES.sub("", s)
    return s.strip()


@functools.lru_cache(maxsize=1 << 16)  # the same answers and golds are normalised many times per batch
def normalize(s: str) -> str | None:
    """A canonical string for comparison, or None when ``s`` is too long for the cheap layer."""
    if len(s) > MAX_CHEAP_LEN:
        return None
    s = light_clean(_CONTROL.sub("", s))
    s = s.replace("\\varnothing", "\\emptyset").replace("\\{\\}", "\\emptyset")
    for _ in range(3):  # \text{\textbf{x}} nests; "6\mathrm{m}" is "6 m", a unit apart from its number
        s = _TEXT_CMDS.sub(r" \1", s)
    s = _LEAD_PHRASE.sub("", s.strip())
    s = _ASSIGN.sub("", s.strip())
    s = strip_delimiters(s)
    s = _strip_units(s)
    s = re.sub(r"\s+", "", s)
    if s.endswith("%") and s.count("%") == 1:
        s = s[:-1] + "%"
    return s


def _strip_units(s: str) -> str:
    """``5 cm`` -> ``5``, ``12 apples`` -> ``12``, ``3 m/s`` -> ``3``; anything else is left alone."""
    m = _NUM_THEN_TAIL.match(s)
    if not m:
        return s
    tail = m.group(2).strip()
    first = re.split(r"[\s/^.\-]", tail, maxsplit=1)[0].lower()
    if first in _NOT_UNITS:
        return s
    spaced = s[m.end(1):m.start(2)] != ""  # "6 m" is 6 metres, "6m" is six times m (a problem's parameter)
    if _WORD_UNITS.match(tail) or (_LETTER_UNIT.match(tail) and spaced):
        return m.group(1)
    return s


def _to_fraction(num: str) -> Fraction:
    return Fraction(num.replace(",", ""))


def parse_number(s: str) -> tuple[Fraction, bool, bool] | None:
    """(value, exact, percent) for an answer that is a plain number, else None.

    Understands integers, thousands separators, decimals, ``a/b``, ``\\frac{a}{b}``, ``\\frac12``,
    mixed numbers ``2\\frac{1}{2}``, scientific notation, small integer powers and a trailing ``%``.
    ``exact`` is False when a decimal point is involved (compared with a tolerance then).
    """
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if not s or len(s) > 64:
        return None
    try:
        if m := _PLAIN_RE.match(s):
            if "," in s and not re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
                return None
            return _to_fraction(m.group(1)), "." not in s, percent
        if m := _SCI_RE.match(s):
            exp = int(m.group(2) or m.group(3))
            return _to_fraction(m.group(1)) * Fraction(10) ** exp, "." not in m.group(1), percent
        if m := _POW_RE.match(s):
            base, exp = int(m.group(1)), int(m.group(2))
            if abs(base) > 1 and exp * len(str(abs(base))) > 400:
                return None  # 9^{999} is a number, but not one for the cheap layer
            return Fraction(base) ** exp, True, percent
        if m := _FRAC_RE.match(s):
            sign, whole, num, den = m.groups()
            value = _to_fraction(num) / _to_fraction(den)
            if whole:
                value += int(whole)
            return (-value if sign == "-" else value), "." not in num + den, percent
        if m := _FRAC_SHORT_RE.match(s):
            value = Fraction(int(m.group(2)), int(m.group(3)))
            return (-value if m.group(1) == "-" else value), True, percent
        if m := _SLASH_RE.match(s):
            value = _to_fraction(m.group(1)) / _to_fraction(m.group(2))
            return value, "." not in s, percent
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


def numbers_equal(pred: tuple[Fraction, bool, bool], gold: tuple[Fraction, bool, bool]) -> bool:
    """Equal values; a percent on either side may also be read as a fraction (50% = 0.5).

    An exact gold (an integer, a fraction; also a float with an integer value, AMC's ``27.0``) needs an
    exactly equal answer: ``0.5`` is ``\\frac12``, but ``0.3333`` is not ``\\frac13`` and ``3.0001`` is not
    ``3``. Only a gold written with decimals (``0.33``, ``4.5e33``) accepts answers within ``DECIMAL_REL_TOL``.
    """
    p_vals = [pred[0], pred[0] / 100] if pred[2] else [pred[0]]
    g_vals = [gold[0], gold[0] / 100] if gold[2] else [gold[0]]
    for p in p_vals:
        for g in g_vals:
            if p == g:
                return True
            if not gold[1] and g.denominator != 1 and _close(float(p), float(g), DECIMAL_REL_TOL):
                return True
    return False


def _close(p: float, g: float, rel_tol: float) -> bool:
    return abs(p - g) <= rel_tol * abs(g) if g else abs(p) <= 1e-9


_DECIMAL_IN_TEXT = re.compile(r"\d\.\d|(?<![\d.])\.\d")


def decimal_gold(gold: str) -> bool:
    """A gold written with decimals whose value is not an integer (``0.33``, ``1.5\\pi``): answers to it are
    compared within ``DECIMAL_REL_TOL``. Every other gold is exact and needs an exactly equal answer."""
    if not _DECIMAL_IN_TEXT.search(gold):
        return False
    number = parse_number(normalize(gold) or gold)
    return number is None or number[0].denominator != 1


def rounding_tolerance(approx: str) -> float | None:
    """Half a unit in the last digit written (``1.73``: 0.005; ``31``: 0.5; ``4.5\\times10^{33}``: 5e31), for
    a plain number; None for anything else."""
    s = normalize(approx)
    if not s or parse_number(s) is None:
        return None
    exponent = 0
    if m := _SCI_RE.match(s):
        s, exponent = m.group(1), int(m.group(2) or m.group(3))
    decimals = len(s.split(".", 1)[1]) if "." in s else 0
    return 0.5 * 10.0 ** (exponent - decimals)


def rounds_to(approx: str, value: str) -> bool | None:
    """Does the number ``approx`` round ``value`` correctly (``1.732`` for ``\\sqrt{3}``; ``7`` is no
    rounding of 42)? None when either cannot be evaluated here."""
    tolerance = rounding_tolerance(approx)
    a, v = parse_number(normalize(approx) or ""), eval_exact(normalize(value) or "")
    if v is None and (number := parse_number(normalize(value) or "")) is not None and not number[2]:
        v = number[0]
    if tolerance is None or a is None or a[2] or v is None:
        return None
    return within_rounding(float(a[0]), float(v), tolerance)


def within_rounding(approx: float, value: float, tolerance: float) -> bool:
    """``approx`` is ``value`` rounded to ``tolerance`` (half a unit of its last digit), up to float's own
    precision (a 20-digit approximation cannot be checked closer than that)."""
    return abs(approx - value) <= max(tolerance * (1 + 1e-9), 1e-12 * abs(value))


def _values_equal(p: str, g: str) -> bool | None:
    """Equality of two single values (numbers or constant expressions); None if either is neither, or when
    two different closed forms agree in floating point (only the worker's exact algebra can tell)."""
    pn, gn = parse_number(p), parse_number(g)
    if pn and gn:
        return numbers_equal(pn, gn)
    if "%" in p + g:
        return None
    pv, gv = eval_exact(p), eval_exact(g)
    if pv is None or gv is None:
        return None
    if decimal_gold(g):
        return _close(float(pv), float(gv), DECIMAL_REL_TOL)
    if isinstance(pv, Exact) and isinstance(gv, Exact):
        return pv == gv  # exact arithmetic (r1zero.grading.values): 42 + 10^{-12} is not 42, \sqrt{12} is 2\sqrt{3}
    # Floating point only tells values apart; close ones may still differ (\sqrt{2+\sqrt{3}} vs its decimal)
    return None if _close(float(pv), float(gv), CLOSED_FORM_REL_TOL) else False


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
    found = _collection(strip_delimiters(s))
    return found[1] if found and found[0][0] in ("", "set") else None


def _collection(s: str):
    """(kind, elements) for a comma-separated collection, or None for a single item."""
    kind, inner, close = _brackets(s)
    parts = split_top_level(inner)
    if parts is None or len(parts) < 2:
        return None
    return (kind, close), parts


_CONSTANT_MACROS = re.compile(
    r"\\(?:frac|dfrac|tfrac|sqrt|pi|infty|cdot|times|div|pm|mp|left|right|sin|cos|tan|cot|sec|csc|arcsin|arccos|"
    r"arctan|sinh|cosh|tanh|log|ln|exp|circ|degree)(?![A-Za-z])")
_RELATION = re.compile(r"[=<>]|\\(?:le|ge|leq|geq|neq|ne|in|approx|lt|gt)(?![A-Za-z])")
_PLAIN_FUNCTIONS = re.compile(r"(?:sqrt|sin|cos|tan|log|ln|exp|pi)(?=\s*[({\d])")


def has_free_variable(s: str) -> bool:
    """True when normalized ``s`` names a variable (``x``, ``C_1``, ``\\theta``): not a constant, whatever it
    simplifies to. ``e`` and ``i`` count as constants."""
    rest = _PLAIN_FUNCTIONS.sub("", _CONSTANT_MACROS.sub("", s))
    return re.search(r"\\[A-Za-z]+|[a-df-hj-zA-Z]", rest) is not None


def several_answers(gold: str) -> bool:
    """A gold holding several answers: a bare comma list (``1, -2``) or a set (``\\{1, -2\\}``), not a tuple,
    an interval or one number with thousands separators (``10,455``)."""
    g = normalize(gold)
    if not g or (parse_number(g) and not _SPACED_LIST.search(gold)):
        return False
    found = _collection(g)
    return found is not None and found[0][0] in ("", "set")


def cheap_equal(pred: str, gold: str) -> bool | None:
    """True or False when the cheap layers can decide that ``pred`` equals ``gold``; None otherwise."""
    p, g = normalize(pred), normalize(gold)
    if p is None or g is None:
        return None
    if not p:
        return False
    if p == g:
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
    if _DECIMAL_COMMA.match(p) and _PLAIN_DECIMAL.match(g) and not _SPACED_LIST.search(pred):
        p = p.replace(",", ".")  # "2,74" for 2.74, but "1, 3" is a list
    elif _GOLD_DECIMAL_COMMA.match(g) and _PLAIN_DECIMAL.match(p) and not _LISTED.search(gold):
        g = g.replace(",", ".")  # a gold "1,22" is 1.22 (math-verify's reading); "2500,7500" and "$1$,$3$" are lists
    # "32, 349" is a list of two numbers, "32,349" one number: a space after a comma makes it a list
    pn = None if _SPACED_LIST.search(pred) else parse_number(p)
    gn = None if _SPACED_LIST.search(gold) else parse_number(g)
    if pn and gn:
        return numbers_equal(pn, gn)
    if gn and _MC_RE.match(p):
        return False  # a choice letter is not a number, even "E" (math-verify would read Euler's e)
    # a number with thousands separators ("40,000") is one value, never a list
    pc, gc = None if pn else _collection(p), None if gn else _collection(g)
    if pc and gc:
        return _collections_equal(pc, gc)
    if pc is None and gc is None and (decided := _values_equal(p, g)) is not None:
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


def _collections_equal(pc, gc) -> bool | None:
    """Two sets, tuples, intervals or lists (``_collection``'s readings) compared item by item."""
    (p_kind, p_close), p_items = pc
    (g_kind, g_close), g_items = gc
    if (p_kind == "set") != (g_kind == "set") and p_kind and g_kind:
        return False  # a set is never a tuple or an interval: bracket type is significant
    if not p_kind and g_kind in ("(", "["):
        if may_be_interval(g_items, g_kind + g_close):
            return False  # "2,5" never answers [2,5), (2,5], [2,5] or (2,5): the ends are the answer
        p_kind, p_close = g_kind, g_close  # a bare list answers a point or tuple in its order only
    pairs = {(x, y): _values_equal(x, y) for x in p_items for y in g_items}
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
    pc, gc = _collection(pred), _collection(gold)
    if pc is None or gc is None or pc[0][0] or gc[0][0] not in ("(", "["):
        return None
    (g_kind, g_close), g_items = gc
    if may_be_interval(g_items, g_kind + g_close):
        return ""
    return f"{g_kind}{pred}{g_close}"


def _shapes_differ(pred: str, p: str, g: str, pn, gn, pc, gc) -> bool:
    """True when the answer and the gold cannot be equal by their shapes alone (one value against several, a
    number against no math, a constant against an expression in variables)."""
    if pc is None and gc is not None and gc[0][0] in ("set", "") and pn:
        return True  # one number against several answers
    if gc is None and pc is not None and pc[0][0] in ("set", "") and gn and _SPACED_LIST.search(pred):
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
