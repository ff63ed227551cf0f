"""The values of constant answers (``3\\sqrt{2}``, ``\\frac{\\pi}{4}``, ``2^{10}``), exactly where it can be done.

An exact gold needs an exactly equal answer, and the grader's in-process layer decides most answers, so it
computes exactly: an ``Exact`` value is a finite sum of ``q * sqrt(r) * pi^k`` with rational ``q``,
squarefree ``r`` and integer ``k``. Square roots of distinct squarefree integers are linearly independent
over the rationals, and pi is transcendental, so two such sums are equal exactly when their terms are:
``\\sqrt{12}`` is ``2\\sqrt{3}``, ``\\pi \\cdot 4`` is ``4\\pi``, and ``\\sqrt{2} + 10^{-15}`` is not
``\\sqrt{2}``. Anything beyond (``\\sqrt{2+\\sqrt{3}}``, a cube root of 2, a huge power) continues in
floating point, which ``r1zero.grading._numbers`` only uses to tell values apart, never to call them equal.

``eval_exact(text)`` returns an ``Exact``, a float, or None when the text is not a constant expression it
reads: numbers, ``+ - * /``, ``\\cdot``, ``\\times``, implicit products, ``^``, ``\\sqrt{}``, ``\\sqrt[n]{}``,
``\\frac{}{}``, ``\\pi`` and brackets. All work is bounded (length, nesting, exponents, sizes).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

MAX_EXPONENT = 64
MAX_BITS = 4096  # a rational coefficient needing more bits than this is computed in floating point
MAX_TERMS = 16
MAX_SQUAREFREE = 10**12  # larger radicands are not decomposed (floating point instead)
_TOKEN = re.compile(r"\d+(?:\.\d+)?|\.\d+|\\[a-zA-Z]+|[-+*/^(){}\[\]]")
_ATOM_START = ("(", "{", "\\pi", "\\sqrt", "\\frac")


class Inexact(ArithmeticError):
    """The exact result is outside ``Exact`` (or too big): continue in floating point."""


def _squarefree(n: int) -> tuple[int, int]:
    """``n = s^2 * r`` with ``r`` squarefree: (s, r). Inexact when ``n`` is too large to decompose surely."""
    if n > MAX_SQUAREFREE:
        raise Inexact("radicand")
    s, r, p = 1, n, 2
    while p * p <= r:  # p <= 10^6: square factors of r above 10^6 would make r > 10^12
        while r % (p * p) == 0:
            r //= p * p
            s *= p
        p += 1 if p == 2 else 2
    return s, r


class Exact:
    """An exact real number: ``sum(q * sqrt(r) * pi**k)`` over ``terms = {(r, k): q}`` (see module doc)."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[tuple[int, int], Fraction]):
        self.terms = {key: q for key, q in terms.items() if q}
        if len(self.terms) > MAX_TERMS or any(
                max(q.numerator.bit_length(), q.denominator.bit_length()) > MAX_BITS for q in self.terms.values()):
            raise Inexact("size")

    @classmethod
    def of(cls, value) -> Exact:
        return value if isinstance(value, Exact) else cls({(1, 0): Fraction(value)})

    @property
    def rational(self) -> Fraction | None:
        """The value when it is rational, else None."""
        if not self.terms:
            return Fraction(0)
        return self.terms.get((1, 0)) if set(self.terms) == {(1, 0)} else None

    def __float__(self) -> float:
        return float(sum(float(q) * math.sqrt(r) * math.pi**k for (r, k), q in self.terms.items()))

    def __eq__(self, other) -> bool:
        return isinstance(other, Exact) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    def __add__(self, other: Exact) -> Exact:
        terms = dict(self.terms)
        for key, q in other.terms.items():
            terms[key] = terms.get(key, 0) + q
        return Exact(terms)

    def __neg__(self) -> Exact:
        return Exact({key: -q for key, q in self.terms.items()})

    def __sub__(self, other: Exact) -> Exact:
        return self + (-other)

    def __mul__(self, other: Exact) -> Exact:
        terms: dict[tuple[int, int], Fraction] = {}
        for (r1, k1), q1 in self.terms.items():
            for (r2, k2), q2 in other.terms.items():
                g = math.gcd(r1, r2)  # sqrt(r1 r2) = g sqrt(r1/g * r2/g), squarefree again
                key = (r1 // g * (r2 // g), k1 + k2)
                terms[key] = terms.get(key, 0) + q1 * q2 * g
        return Exact(terms)

    def __truediv__(self, other: Exact) -> Exact:
        if len(other.terms) != 1:
            raise Inexact("a divisor with several terms")  # 1/(1+\sqrt{2}) is left to floating point
        ((r, k), q), = other.terms.items()
        return self * Exact({(r, -k): 1 / (q * r)})  # 1/(q sqrt(r) pi^k) = sqrt(r) / (q r pi^k)

    def power(self, n: int) -> Exact:
        result, base = Exact.of(1), self if n >= 0 else Exact.of(1) / self
        for _ in range(abs(n)):
            result = result * base
        return result

    def sqrt(self) -> Exact:
        """The square root of a non-negative rational; Inexact otherwise."""
        q = self.rational
        if q is None or q < 0:
            raise Inexact("root")
        s, r = _squarefree(q.numerator * q.denominator)  # sqrt(a/b) = sqrt(ab) / b
        return Exact({(r, 0): Fraction(s, q.denominator)})


Value = Exact | float


def _float_op(op: str, a: Value, b: Value) -> float:
    x, y = float(a), float(b)
    return {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]


def _apply(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, Exact) and isinstance(b, Exact):
        try:
            return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__}[op](b)
        except Inexact:
            pass
    return _float_op(op, a, b)


def _root(value: Value, index: Value) -> Value:
    """The ``index``-th root: exact for a square root of a rational and for a rational perfect power."""
    if isinstance(value, Exact) and isinstance(index, Exact) and (n := index.rational) is not None:
        q = value.rational
        if n == 2:
            try:
                return value.sqrt()
            except Inexact:
                pass
        elif q is not None and n.denominator == 1 and q >= 0:
            parts = []
            for whole in (q.numerator, q.denominator):
                guess = round(whole ** (1 / int(n))) if whole.bit_length() < 1000 else -1
                parts.append(next((r for r in (guess - 1, guess, guess + 1) if r >= 0 and r**int(n) == whole), None))
            if None not in parts:
                return Exact.of(Fraction(parts[0], parts[1]))
    return float(value) ** (1 / float(index))


class _Eval:
    """A recursive-descent reader of one constant expression (see the module doc); ValueError on anything
    else (a letter, a mixed number, a big power, a complex value)."""

    def __init__(self, tokens: list[str]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise ValueError(tok)
        self.i += 1
        return tok

    def expr(self) -> Value:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            value = _apply(op, value, self.term())
        return value

    def term(self) -> Value:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "\\cdot", "\\times", "/"):
                self.take()
                value = _apply("/" if tok == "/" else "*", value, self.unary())
            elif tok is not None and (tok.startswith(_ATOM_START) or tok[0].isdigit() or tok[0] == "."):
                if tok == "\\frac" and self.tokens[self.i - 1][0].isdigit():
                    raise ValueError("mixed number")  # 2\frac12 is 2.5 to a reader, 1 to a parser
                value = _apply("*", value, self.power())
            else:
                return value

    def unary(self) -> Value:
        if self.peek() in ("-", "+"):
            sign = self.take()
            value = self.unary()
            return -value if sign == "-" else value
        return self.power()

    def power(self) -> Value:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take()
        exp = self.group() if self.peek() == "{" else self.atom(single_digit=True)
        e, b = float(exp), float(base)
        if abs(e) > MAX_EXPONENT or (b < 0 and e != int(e)):
            raise ValueError("power")
        n = exp.rational if isinstance(exp, Exact) else None
        if isinstance(base, Exact) and n is not None and n.denominator == 1:
            try:
                return base.power(int(n))
            except (Inexact, ZeroDivisionError):
                pass
        return b**e

    def group(self) -> Value:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def arg(self) -> Value:
        """A macro argument: ``{...}`` or a single digit (``\\frac12``, ``\\sqrt3``)."""
        if self.peek() == "{":
            return self.group()
        tok = self.take()
        if not tok.isdigit():
            raise ValueError(tok)
        self.tokens[self.i : self.i] = list(tok[1:])  # \sqrt32 is sqrt(3)*2: keep the other digits
        return Exact.of(tok[0])

    def atom(self, single_digit: bool = False) -> Value:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            if single_digit and len(tok) > 1:
                self.tokens[self.i : self.i] = [tok[1:]]
                tok = tok[0]
            return Exact.of(tok)
        if tok == "\\pi":
            return Exact({(1, 1): Fraction(1)})
        if tok in ("(", "{"):
            value = self.expr()
            self.take(")" if tok == "(" else "}")
            return value
        if tok == "\\frac":
            num = self.arg()
            return _apply("/", num, self.arg())
        if tok == "\\sqrt":
            index: Value = Exact.of(2)
            if self.peek() == "[":
                self.take()
                index = self.expr()
                self.take("]")
            value = self.arg()
            if float(value) < 0 or not 1 <= float(index) <= MAX_EXPONENT:
                raise ValueError("root")
            return _root(value, index)
        raise ValueError(tok)


def eval_exact(s: str) -> Value | None:
    """The value of a constant expression: an ``Exact`` when it is one, else a float; None when ``s`` is not
    a constant expression this reader knows (see the module doc)."""
    if len(s) > 200 or s.count("(") + s.count("{") > 40:
        return None
    tokens = _TOKEN.findall(s)
    if "".join(tokens) != s or not tokens:
        return None
    parser = _Eval(tokens)
    try:
        value = parser.expr()
        number = float(value)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, ArithmeticError):
        return None
    if parser.i != len(parser.tokens) or not math.isfinite(number):
        return None
    return value


def eval_constant(s: str) -> float | None:
    """``eval_exact``'s value as a float (``3\\sqrt{2}``: 4.2426...), else None."""
    value = eval_exact(s)
    return None if value is None else float(value)
