"""Plain-text math answers (``sqrt(2)/2``, ``2*pi``, ``3x^2+1``) read into sympy trees without running them.

The grader used to hand such text to sympy's ``parse_expr``, which evaluates Python: an answer written by
the policy (or a gold answer in a dataset) could run any command. This parser never evaluates text. It
reads an allow-listed grammar and builds the tree with sympy's constructors:

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary | <implicit product> power)*
    unary   := ("+" | "-") unary | power
    power   := postfix (("^" | "**") unary)?
    postfix := atom "!"?
    atom    := number | name | function "(" expr ")" | function power | "(" expr ")"

- numbers are digits with an optional decimal part, read exactly (``0.5`` is 1/2);
- ``pi``, ``e``/``E``, ``i``/``I`` and ``oo`` are constants; the functions are ``FUNCTIONS`` below;
- any other word is a product of one-letter symbols (``xy`` is x*y, as sympy's implicit
  multiplication reads it); a letter may carry a subscript (``x_1``, ``a_n``);
- anything else (quotes, brackets other than parentheses, commas, dots after names, underscores in
  dunder names, non-ASCII characters) is not plain math: ``parse_plain`` returns None.

Work is bounded: at most ``MAX_CHARS`` characters and ``MAX_DEPTH`` nested levels, integer powers whose
exponent exceeds ``MAX_EXPONENT`` and factorials above ``MAX_FACTORIAL`` are refused, so no answer can make
the parser compute a huge number.
"""

from __future__ import annotations

import re
from fractions import Fraction

MAX_CHARS = 200
MAX_DEPTH = 40
MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z]+(?:_[A-Za-z0-9]+)?)|(\*\*|[-+*/^()!]))")
MAX_POWER_BITS = 100_000  # a number power whose result would need more bits than this is refused
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
}


class NotPlainMath(ValueError):
    """The text is outside the grammar (or over a bound)."""


def _functions() -> dict:
    import sympy

    return {
        "sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "abs": sympy.Abs,
        "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
        "csc": sympy.csc, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
        "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
        "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    }


def _constants() -> dict:
    import sympy

    return {"pi": sympy.pi, "e": sympy.E, "E": sympy.E, "i": sympy.I, "I": sympy.I, "oo": sympy.oo}


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs, kind in number / name / op; NotPlainMath on anything outside the grammar."""
    tokens, at, end = [], 0, len(text.rstrip())
    while at < end:
        m = _TOKEN.match(text, at)
        if m is None:
            raise NotPlainMath(f"unexpected character {text[at:at + 1]!r}")
        number, name, op = m.groups()
        if number and tokens and tokens[-1][0] == "number" and m.start(1) == at:
            raise NotPlainMath("two numbers run together")  # 1.5.2
        tokens.append(("number", number) if number else ("name", name) if name else ("op", op))
        at = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.i, self.depth = tokens, 0, 0
        self.functions, self.constants = _functions(), _constants()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise NotPlainMath(f"expected {op or 'more input'}")
        self.i += 1
        return tok

    def nested(self, parse):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotPlainMath("nested too deeply")
        try:
            return parse()
        finally:
            self.depth -= 1

    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            value = value + self.term() if self.take()[1] == "+" else value - self.term()
        return value

    def term(self):
        value = self.unary()
        while (tok := self.peek()) is not None:
            if tok in (("op", "*"), ("op", "/")):
                self.take()
                rhs = self.unary()
                value = value / rhs if tok[1] == "/" else value * rhs
            elif tok[0] in ("number", "name") or tok == ("op", "("):
                value = value * self.power()  # implicit product: 2x, 2(x+1), (a+1)(b+2), 2 sqrt(3)
            else:
                break
        return value

    def unary(self):
        if self.peek() in (("op", "+"), ("op", "-")):
            sign = self.take()[1]
            operand = self.nested(self.unary)
            return -operand if sign == "-" else operand
        return self.power()

    def power(self):
        base = self.postfix()
        if self.peek() in (("op", "^"), ("op", "**")):
            self.take()
            exponent = self.nested(self.unary)
            return _bounded_power(base, exponent)
        return base

    def postfix(self):
        value = self.atom()
        if self.peek() == ("op", "!"):
            self.take()
            import sympy

            if not (value.is_Integer and 0 <= value <= MAX_FACTORIAL):
                raise NotPlainMath("factorial of a non-integer or a large number")
            value = sympy.factorial(value)
        return value

    def atom(self):
        import sympy

        kind, text = self.take()
        if kind == "number":
            return sympy.Rational(Fraction(text))
        if kind == "op":
            if text != "(":
                raise NotPlainMath(f"unexpected {text!r}")
            value = self.nested(self.expr)
            self.take(")")
            return value
        if text in self.functions:
            fn = self.functions[text]
            if self.peek() == ("op", "("):
                self.take()
                arg = self.nested(self.expr)
                self.take(")")
            else:
                arg = self.nested(self.power)  # sqrt 2, sin x
            return fn(arg)
        if text in self.constants:
            return self.constants[text]
        return _symbols(text)


def _symbols(word: str):
    """A name: a greek letter or a subscripted letter is one symbol; other words are products of letters."""
    import sympy

    if word in _GREEK or "_" in word or len(word) == 1:
        return sympy.Symbol(word)
    constants = _constants()
    value = sympy.Integer(1)
    for letter in word:
        value *= constants.get(letter) if letter in ("e", "i") else sympy.Symbol(letter)
    return value


def _bounded_power(base, exponent):
    """``base ** exponent``, refusing powers too large to compute (9^9^9 would never end)."""
    if exponent.is_Number:
        if not exponent.is_finite or abs(exponent) > MAX_EXPONENT:
            raise NotPlainMath("exponent too large")
        if base.is_Rational and abs(exponent) * (base.p.bit_length() + base.q.bit_length()) > MAX_POWER_BITS:
            raise NotPlainMath("power too large")
    return base**exponent


def parse_plain(text: str):
    """The sympy expression of a plain-text math answer, or None when it is not plain math (never raises)."""
    if len(text) > MAX_CHARS:
        return None
    try:
        parser = _Parser(tokenize(text))
        if not parser.tokens:
            return None
        value = parser.expr()
        if parser.i != len(parser.tokens):
            return None
        return value
    except (NotPlainMath, ArithmeticError, ValueError, TypeError, RecursionError):
        return None
