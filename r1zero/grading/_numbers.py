"""Numbers and constants: reading a plain number, comparing two (exactly, or within a tolerance for a gold
written with decimals), rounding checks, and telling a constant from an expression in variables.
"""

from __future__ import annotations

import re
from fractions import Fraction

from r1zero.grading._normalize import NUM, normalize
from r1zero.grading._values import Exact, eval_exact

# A decimal answer matches within a relative 1e-4 (Qwen2.5-Math / CS336 numeric_equal): 1.732 for sqrt(3),
# 3.1416 for pi, 0.0833333 for 1/12; 3.14 for pi or 0.33 for 1/3 are too coarse. Integers compare exactly.
DECIMAL_REL_TOL = 1e-4
CLOSED_FORM_REL_TOL = 1e-9  # two closed forms (3\sqrt{2} and \sqrt{18}) evaluated in floating point

NUMBER_RE = re.compile(rf"({NUM})")
_PLAIN_RE = re.compile(rf"^({NUM})$")
_SCI_RE = re.compile(rf"^({NUM})(?:e([+-]?\d{{1,3}})|(?:\\times|\\cdot|\*|x)10\^\{{?([+-]?\d{{1,3}})\}}?)$")
_POW_RE = re.compile(r"^([+-]?\d{1,6})\^\{?(\d{1,3})\}?$")
_FRAC_RE = re.compile(rf"^([+-]?)(\d+)?\\frac\{{({NUM})\}}\{{({NUM})\}}$")
_FRAC_SHORT_RE = re.compile(r"^([+-]?)\\frac(\d)(\d)$")
_SLASH_RE = re.compile(rf"^({NUM})/({NUM})$")


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


def values_equal(p: str, g: str) -> bool | None:
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
        return pv == gv  # exact arithmetic (r1zero.grading._values): 42 + 10^{-12} is not 42, \sqrt{12} is 2\sqrt{3}
    # Floating point only tells values apart; close ones may still differ (\sqrt{2+\sqrt{3}} vs its decimal)
    return None if _close(float(pv), float(gv), CLOSED_FORM_REL_TOL) else False


_CONSTANT_MACROS = re.compile(
    r"\\(?:frac|dfrac|tfrac|sqrt|pi|infty|cdot|times|div|pm|mp|left|right|sin|cos|tan|cot|sec|csc|arcsin|arccos|"
    r"arctan|sinh|cosh|tanh|log|ln|exp|circ|degree)(?![A-Za-z])")
_PLAIN_FUNCTIONS = re.compile(r"(?:sqrt|sin|cos|tan|log|ln|exp|pi)(?=\s*[({\d])")


def has_free_variable(s: str) -> bool:
    """True when normalized ``s`` names a variable (``x``, ``C_1``, ``\\theta``): not a constant, whatever it
    simplifies to. ``e`` and ``i`` count as constants."""
    rest = _PLAIN_FUNCTIONS.sub("", _CONSTANT_MACROS.sub("", s))
    return re.search(r"\\[A-Za-z]+|[a-df-hj-zA-Z]", rest) is not None
