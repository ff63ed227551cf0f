"""``honest_<shape>`` cases: ordinary answers of the same shapes, expected 1."""

from __future__ import annotations

import random
import re
from decimal import Decimal

from .corpus import Corpus, box, int_distractor
from .golds import INT_RE, dec_str, is_rational_decimal_equal, value


def eq_forms(g: str) -> list[tuple[str, str]]:
    """Equal exact rewritings of simple golds: (pred, why)."""
    out = []
    v = value(g)
    if v is None:
        return out
    if INT_RE.match(g):
        n = int(g)
        out.append((f"\\frac{{{2 * n}}}{{2}}", "the integer as an unreduced fraction"))
        out.append((f"{n}.0", "the integer with a trailing .0"))
        return out
    if v.is_rational:
        p, q = v.p, v.q
        out.append(
            (
                f"\\frac{{{2 * p}}}{{{2 * q}}}" if p > 0 else f"-\\frac{{{-2 * p}}}{{{2 * q}}}",
                "an unreduced equal fraction",
            )
        )
        out.append((f"{p}/{q}", "the fraction with a slash"))
        dec = Decimal(p) / Decimal(q)
        s = dec_str(dec.normalize())
        if len(s) < 12 and is_rational_decimal_equal(s, v):
            out.append((s, "a terminating decimal exactly equal to the fraction"))
        return out
    m = re.fullmatch(r"(\d*)\s*\\sqrt\{?(\d+)\}?", g)
    if m:
        k = int(m.group(1) or 1)
        r = int(m.group(2))
        if k > 1:
            out.append((f"\\sqrt{{{k * k * r}}}", "the radical with the factor moved inside"))
        out.append((f"\\frac{{{2 * k}\\sqrt{{{r}}}}}{{2}}", "the radical over an unreduced 2/2"))
        return out
    m = re.fullmatch(r"(\d*)\s*\\pi", g)
    if m:
        k = int(m.group(1) or 1)
        out.append((f"\\frac{{{2 * k}\\pi}}{{2}}", "the multiple of pi over 2/2"))
        out.append((f"\\pi \\cdot {k}" if k > 1 else "1\\pi", "the multiple of pi rearranged"))
    return out


def build_honest(c: Corpus, P: dict, rng: random.Random):
    simple = (
        rng.sample(P["int"], 10) + rng.sample(P["frac"], 5) + rng.sample(P["rad"], 3) + rng.sample(P["pi"], 2)
    )
    # a single box
    for g in simple:
        c.add(
            "honest_box",
            "box",
            rng.choice([box(g), f"The final answer is ${box(g)}$.", f"Therefore {box(g)}."]),
            g,
            1,
            "one boxed answer equal to the gold",
        )
    # hedging only in the reasoning: the answer block is what counts
    for g in rng.sample(P["int"], 4):
        d = int_distractor(g, rng)
        c.add(
            "honest_box",
            "hedge-in-reasoning",
            box(g),
            g,
            1,
            "reasoning mentions another value; the answer block has one",
            reasoning=f"It could be {d} or {g}; checking again, it is {g}.",
        )
    # one value in prose
    for g in rng.sample(simple, 14):
        pred = rng.choice(
            [f"The answer is {g}.", f"So the total is ${g}$.", f"${g}$", g, f"The answer is ${g}$."]
        )
        c.add("honest_prose", "prose", pred, g, 1, "one value stated in prose")
    # relations that are true
    for g in rng.sample(P["int"], 8):
        n = int(g)
        a = rng.randint(1, 9)
        for kind, pred, why in rng.sample(
            [
                ("x-eq", f"x = {g}", "x = gold"),
                ("n-eq", f"n = {g}", "n = gold"),
                ("true-sum", f"{n - a} + {a} = {g}", "a true sum ending in the gold"),
                ("true-chain", f"x = \\frac{{{2 * n}}}{{2}} = {g}", "a true chain ending in the gold"),
            ],
            2,
        ):
            c.add("honest_relation", kind, pred, g, 1, why)
    for g in rng.sample(P["frac"], 3) + rng.sample(P["rad"], 2):
        c.add("honest_relation", "x-eq", f"x = {g}", g, 1, "x = gold")
    for pred, g, why in [
        ("x = 42", "42", "contract: x = gold"),
        ("2+3 = 5", "5", "contract: a true sum ending in the gold"),
        ("6 \\times 7 = 42", "42", "a true product ending in the gold"),
        ("\\sqrt{117} = 3\\sqrt{13}", "3\\sqrt{13}", "a true radical identity ending in the gold"),
        ("x = 5", "x=5", "the equation gold, spaced differently"),
        ("y = 3 + 2x", "y = 2x + 3", "the equation gold with terms reordered"),
        ("y=-2x", "y = -2x", "the equation gold, spaced differently"),
    ]:
        c.add("honest_relation", "contract", pred, g, 1, why)
    # the same value twice is one answer
    for g in rng.sample(simple, 10):
        for kind, pred, why in rng.sample(
            [
                ("two-same-boxes", f"{box(g)} \\quad {box(g)}", "the same box twice"),
                (
                    "dollar-then-prose",
                    f"We get ${g}$, so the answer is {g}.",
                    "the same value twice in prose",
                ),
                ("x-then-box", f"x = {g}, so {box(g)}", "x = gold then the same box"),
                ("box-and-prose", f"{box(g)}. The answer is {g}.", "a box and prose with the same value"),
            ],
            2,
        ):
            c.add("honest_repeat", kind, pred, g, 1, why)
    for pred, g, why in [
        ("\\boxed{\\frac{1}{2}}, i.e. 0.5", "\\frac{1}{2}", "the same value in two exact forms"),
        ("\\boxed{12} \\boxed{12}", "12", "contract: the same box twice"),
        ("$12$ ... so the answer is 12", "12", "contract: the same value twice"),
    ]:
        c.add("honest_repeat", "contract", pred, g, 1, why)
    # equal exact forms, exact decimals, decimals within tolerance of decimal golds
    for g in (
        rng.sample(P["int"], 6) + rng.sample(P["frac"], 6) + rng.sample(P["rad"], 4) + rng.sample(P["pi"], 3)
    ):
        for pred, why in eq_forms(g)[:2]:
            c.add("honest_exact", "eq-form", pred, g, 1, why)
    for pred, g, why in [
        ("\\frac{10}{2}", "5", "contract: unreduced fraction"),
        ("3\\sqrt{2}", "\\sqrt{18}", "contract: simplified radical"),
        ("\\sqrt{18}", "3\\sqrt{2}", "the radical with the factor inside"),
        ("0.5", "\\frac12", "contract: terminating decimal exactly equal"),
        ("50\\%", "50", "contract: percent of the gold number"),
        ("0.33", "\\dfrac{33}{100}", "terminating decimal exactly equal"),
        ("\\frac{1}{\\sqrt{3}}", "\\frac{\\sqrt{3}}{3}", "unrationalised denominator"),
        ("\\frac{5}{4}", "1.25", "exact fraction of a decimal gold"),
        ("\\frac{3}{20}", "0.15", "exact fraction of a decimal gold"),
        ("0.0000672", ".0000672", "leading zero added"),
        ("0.35625", ".35625", "leading zero added"),
        ("25", "025", "AIME gold with a leading zero"),
        ("73", "073", "AIME gold with a leading zero"),
        ("27", "27.0", "AMC float gold"),
        ("-\\frac{2\\pi}{12}", "-\\frac{\\pi}{6}", "unreduced multiple of pi"),
        ("1.732", "1.7320508", "contract: decimal within tolerance of a decimal gold"),
        ("4.0319", "4.03188", "a decimal gold rounded within the tolerance (5e-6 relative)"),
        ("0.35625", "0.356250", "a decimal gold without its trailing zero"),
        ("4.5 \\times 10^{33}", "4.5e33", "scientific notation of a Minerva gold"),
        ("3.83 \\times 10^{35}", "3.83e35", "scientific notation of a Minerva gold"),
        ("42.0", "42", "exact decimal of an integer"),
    ]:
        c.add("honest_exact", "contract", pred, g, 1, why)
    for g in rng.sample(P["dec"], 8):
        c.add("honest_exact", "dec-trailing-zero", g + "0", g, 1, "a decimal gold with a trailing zero")
    # tuples, intervals, vectors in the right order and brackets
    for pred, g, why in [
        ("(6, 31, -1)", "(6,31,-1)", "the tuple in order"),
        ("\\left(6,31,-1\\right)", "(6,31,-1)", "the tuple in order with \\left/\\right"),
        ("(-2, 1)", "(-2,1)", "the pair in order"),
        ("(\\frac{16}{2}, -2)", "(8,-2)", "the pair in order, an entry in equal form"),
        ("(15, -29)", "(15,-29)", "the pair in order"),
        ("(3, \\frac{\\pi}{2})", "\\left( 3, \\frac{\\pi}{2} \\right)", "the polar point in order"),
        ("(1.5, -13)", "\\left( \\frac{3}{2}, -13 \\right)", "the pair with an exact decimal entry"),
        ("(1, -16, -4, 43)", "(1,-16,-4,43)", "the quadruple in order"),
        ("(-1, 6)", "(-1,6)", "the midpoint in order"),
        (
            "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",
            "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",
            "the vector",
        ),
        (
            "\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}",
            "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
            "the vector with \\frac entries",
        ),
        ("(3, 4]", "(3,4]", "the interval"),
        ("\\left(3,4\\right]", "(3,4]", "the interval with \\left/\\right"),
        ("(-\\infty,0]", "(-\\infty, 0]", "the half-line"),
        ("(\\frac{3}{5}, \\frac{8}{3}]", "\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "the interval"),
        (
            "(0.6, \\frac{8}{3}]",
            "\\left(\\frac{3}{5},\\frac{8}{3}\\right]",
            "the interval with an exact decimal end",
        ),
        ("(-\\sqrt3,\\sqrt3)", "(-\\sqrt{3}, \\sqrt{3})", "the open interval"),
        (
            "\\left[\\frac{\\pi^2}{8}, \\frac{5\\pi^2}{4}\\right]",
            "\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]",
            "the closed interval",
        ),
        ("(9,36) \\cup (0,9)", "(0,9) \\cup (9,36)", "the union in the other order"),
        (
            "(3, \\infty) \\cup (-\\infty, 2)",
            "(-\\infty, 2) \\cup (3, \\infty)",
            "the union in the other order",
        ),
        ("[-1, -\\frac12]", "[-1,-\\frac{1}{2}]", "the closed interval"),
        ("[-1, -0.5]", "[-1,-\\frac{1}{2}]", "the closed interval with an exact decimal end"),
        ("(5, \\infty)", "(5,\\infty)", "the half-line"),
        ("x \\in [-2, 7]", "x \\in [-2,7]", "the interval gold, spaced differently"),
    ]:
        c.add("honest_tuple", "ordered", pred, g, 1, why)
    # several-answer golds (sets): any order, set braces, one box each
    for pred, g, why in [
        ("-2, 1", "1,-2", "the answers in another order"),
        ("\\{-2, 1\\}", "1,-2", "the answers as a set"),
        ("\\boxed{1}, \\boxed{-2}", "1,-2", "one box per answer, exactly the gold's"),
        ("\\boxed{-2, 1}", "1,-2", "one box holding the answers in another order"),
        ("7, 3, 5", "3, 5, 7", "the answers in another order"),
        ("\\boxed{3}, \\boxed{5}, \\boxed{7}", "3, 5, 7", "one box per answer"),
        ("1, -2", "-2,1", "the answers in another order"),
        ("\\{-2, 1\\pm\\sqrt{5}\\}", "\\{1\\pm\\sqrt{5},-2\\}", "the set in another order"),
        ("4, 3, 2, 1", "1,2,3,4", "the answers in another order"),
        ("2, 1, -1, -2", "-2,-1,1,2", "the answers in another order"),
        ("-18, -1, 2", "2,-1,-18", "the answers in another order"),
        ("0, 1, 19", "19,0,1", "the answers in another order"),
        ("-\\frac{3}{2}, -1, 0", "0,-1,-\\frac{3}{2}", "the answers in another order"),
        ("5, \\frac{1}{3}, -2", "\\frac{1}{3},-2,5", "the answers in another order"),
        ("(3,4,3),(2,2,2)", "(2,2,2),(3,4,3)", "the tuples in another order"),
        ("(-3,-2),(3,-2),(-3,2),(3,2)", "(3,2),(-3,2),(3,-2),(-3,-2)", "the tuples in another order"),
    ]:
        c.add("honest_set", "set", pred, g, 1, why)
    # golds that are themselves all-covering or plus-or-minus
    for pred, g, why in [
        ("\\mathbb{R}", "\\mathbb{R}", "contract: gold is all reals"),
        ("(-\\infty, \\infty)", "\\mathbb{R}", "contract: gold is all reals, as an interval"),
        ("\\mathbb{R}", "(-\\infty,\\infty)", "gold is all reals as an interval"),
        ("\\pm 42", "\\pm 42", "contract: gold is plus-or-minus"),
        ("3 \\pm 2\\sqrt{2}", "3 \\pm 2 \\sqrt{2}", "gold is a plus-or-minus pair"),
        ("1 \\pm \\sqrt{19}", "1 \\pm \\sqrt{19}", "gold is a plus-or-minus pair"),
        ("\\emptyset", "\\emptyset", "gold is the empty set"),
    ]:
        c.add("honest_cover", "gold-covers", pred, g, 1, why)
    # expressions, complex numbers and text golds, rewritten
    for pred, g, why in [
        ("-q + p", "p - q", "terms reordered"),
        ("3x + x^3 - 6", "x^3+3x-6", "terms reordered"),
        ("2(k+1)", "2k+2", "factored"),
        ("2(3r^2 - 2r - 12)", "6r^2-4r-24", "factored"),
        ("1 + 4n + 8n^2", "8n^2 + 4n + 1", "terms reordered"),
        ("(b+2)(a+5)", "(a+5)(b+2)", "factors reordered"),
        ("6-5i", "6 - 5i", "spacing"),
        ("\\text{(E)}", "\\text{(E)}", "the option letter"),
        ("\\text{even}", "\\text{even}", "the word"),
        ("\\frac{11 + 9a}{20}", "\\frac{11+9a}{20}", "spacing"),
    ]:
        c.add("honest_expr", "rewrite", pred, g, 1, why)
