"""Normalisation: the canonical text the cheap layer compares (delimiters, spacing, ``\\text{}``, emphasis,
degrees, a leading "the answer is" or ``x =``, trailing units). Bounded work: no regex can backtrack badly.
"""

from __future__ import annotations

import functools
import re

MAX_CHEAP_LEN = 400

_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_TEXT_CMDS = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname|textnormal)\s*\{([^{}]*)\}")
_EMPHASIS = re.compile(r"\*\*([^*]+)\*\*|(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])|\{\\(?:bf|it|rm)\s+([^{}]*)\}"
                       r"|\\(?:bm|boldsymbol|underline|emph|(?:text)?color\s*\{[^{}]*\})\s*\{([^{}]*)\}")
_SPACING = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|~|\\displaystyle|\\left|\\right|\\big[lr]?|\\Big[lr]?")
_DEGREES = re.compile(r"\^\s*\{?\\circ\}?|°|\\degree|\^\s*\{\\text\{o\}\}")
_LEAD_PHRASE = re.compile(
    r"^(?:the\s+)?(?:final\s+)?(?:answer|result|solution)\s*(?:is|:|=)\s*|^therefore,?\s*", re.IGNORECASE
)
_ASSIGN = re.compile(r"^[A-Za-z](?:_\{?\w{1,3}\}?)?\s*(?:=|\\approx)\s*(?=[^=]+$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A number as written in an answer: sign, digits with optional thousands groups, decimals.
NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
# Trailing units after a number: a word of two or more letters, or one of a few one-letter units. A lone
# variable such as "x" or "b" is NOT a unit ("(a+5)(b+2)" must keep its letters), nor are math words.
_NUM_THEN_TAIL = re.compile(rf"^((?:{NUM})(?:\s*(?:\\times|\\cdot)\s*10\^\{{?[+-]?\d{{1,3}}\}}?)?)\s*([A-Za-z].*)$")
_WORD_UNITS = re.compile(r"^[A-Za-z]{2,}\.?(?:[\s/^.\-{}]+[A-Za-z0-9]+)*[{}]*\.?$")
_LETTER_UNIT = re.compile(r"^[mgsLhKNJWVA](?:\^?\d)?(?:/[A-Za-z]{1,3}(?:\^?\d)?)?$")
# prose in math; a unit's exponent stays on it (\text{ in}^2)
_TEXT_WRAPPERS = re.compile(r"\\(?:text|textbf|textit|textrm|mbox|textnormal)\s*\{([^{}]*)\}(\^\{?-?\d+\}?)?")
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


def unwrap_text(s: str) -> str:
    """``\\text{ or }`` -> `` or ``: words inside math are still words (a unit keeps its exponent)."""
    for _ in range(3):
        s = _TEXT_WRAPPERS.sub(lambda m: f" {m.group(1)}{m.group(2) or ''} ", s)
    return s
