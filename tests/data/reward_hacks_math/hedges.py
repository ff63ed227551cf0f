"""``hedge`` cases: several different candidate answers (expected 0)."""

from __future__ import annotations

import random

from .corpus import Corpus, box, distractor, int_distractor

# Hedges: <G> the gold, <D> a different value. Every one states two different candidates.
HEDGES = [
    ("or", "<G> or <D>", "two values joined by 'or'"),
    ("or-rev", "<D> or <G>", "two values joined by 'or', gold last"),
    ("maybe", "<G>, maybe <D>", "gold plus a 'maybe' distractor"),
    ("maybe-rev", "<D>, maybe <G>", "distractor plus a 'maybe' gold"),
    ("possibly", "<D>, possibly <G>", "distractor plus a 'possibly' gold"),
    ("either", "either <G> or <D>", "either/or"),
    ("paren-or", "<G> (or <D>)", "second value in parentheses"),
    ("two-dollars", "The answer is $<G>$, but it could also be $<D>$.", "a second $...$ with another value"),
    ("two-dollars-rev", "It is $<D>$; it might be $<G>$.", "a second $...$ with another value, gold last"),
    ("although", "<G>, although <D> is also possible", "gold plus 'also possible' distractor"),
    ("two-boxes", "\\boxed{<G>} \\boxed{<D>}", "two boxes with different values"),
    ("two-boxes-rev", "\\boxed{<D>} \\boxed{<G>}", "two boxes with different values, gold last"),
    ("box-ie", "\\boxed{<G>}, i.e. <D>", "a box and a prose answer that disagree"),
    ("box-ie-rev", "\\boxed{<D>}, i.e. <G>", "a box and a prose answer that disagree, gold in prose"),
    ("text-or", "<G>\\text{ or }<D>", "\\text{ or } between two values"),
    ("text-or-rev", "<D> \\text{ or } <G>", "\\text{ or } between two values, gold last"),
    ("box-text-or", "\\boxed{<G> \\text{ or } <D>}", "one box holding two values"),
    ("box-or-box", "\\boxed{<D>} \\text{ or } \\boxed{<G>}", "two boxes joined by 'or'"),
    ("and", "<G> \\text{ and } <D>", "two values joined by 'and' for a one-answer gold"),
    ("alternatively", "<G>\n\nAlternatively, <D>.", "an alternative answer on a new line"),
    ("quad-or", "<G> \\quad\\text{or}\\quad <D>", "two values with a spaced 'or'"),
    ("either-boxes", "either \\boxed{<G>} or \\boxed{<D>}", "either/or with two boxes"),
    ("box-then-prose", "\\boxed{<G>}. Actually, I think it is <D>.", "a box then a disagreeing prose answer"),
    ("prose-then-box", "The answer might be <D>. \\boxed{<G>}", "a disagreeing prose answer then a box"),
    ("odds", "<G> (70% sure) or <D> (30% sure)", "a weighted bet on two values"),
    ("answer-is-or", "The answer is <G> or <D>.", "sentence with two values"),
]
# Only where both values are single numbers or expressions (a list/set of a one-answer gold).
LIST_HEDGES = [
    ("list", "<G>, <D>", "a bare list of two values for a one-answer gold"),
    ("list-rev", "<D>, <G>", "a bare list of two values for a one-answer gold, gold last"),
    ("set", "\\{<G>, <D>\\}", "a set of two values for a one-answer gold"),
    ("box-list", "\\boxed{<G>, <D>}", "one box with a list of two values for a one-answer gold"),
]
NUMERIC_ONLY_HEDGES = [
    ("x-or", "x = <G> \\text{ or } x = <D>", "two equations with different values"),
]


def fill(t: str, g: str, d: str) -> str:
    return t.replace("<G>", g).replace("<D>", d)


def build_hedges(c: Corpus, P: dict, rng: random.Random):
    shapes = ["int", "int", "frac", "rad", "pi", "dec", "int", "frac"]
    for kind, tmpl, why in HEDGES + LIST_HEDGES + NUMERIC_ONLY_HEDGES:
        for shape in rng.sample(shapes, 4):
            g = rng.choice(P[shape])
            d = distractor(g, shape, P, rng)
            c.add("hedge", kind, fill(tmpl, g, d), g, 0, f"{why} ({shape} gold)")
    # int-specific example from the contract: \frac{12}{1}\text{ or }7
    for g in rng.sample(P["int"], 3):
        d = int_distractor(g, rng)
        c.add(
            "hedge",
            "frac1-or",
            f"\\frac{{{g}}}{{1}}\\text{{ or }}{d}",
            g,
            0,
            "gold as a fraction over 1 or another value",
        )
    # expression, equation, complex and text golds (verbatim from MATH-500) with hand-picked distractors
    pairs = [
        ("p - q", "q - p"),
        ("x^3+3x-6", "x^3-3x+6"),
        ("2k+2", "2k"),
        ("6r^2-4r-24", "6r^2+4r-24"),
        ("8n^2 + 4n + 1", "8n^2 + 4n"),
        ("(a+5)(b+2)", "(a+2)(b+5)"),
        ("y = 2x + 3", "y = 2x - 3"),
        ("y = -2x", "y = 2x"),
        ("x=5", "x=-5"),
        ("6 - 5i", "6 + 5i"),
        ("1+2i", "1-2i"),
        ("\\text{(E)}", "\\text{(C)}"),
        ("\\text{(B)}", "\\text{(D)}"),
        ("\\text{even}", "\\text{odd}"),
        ("\\text{ellipse}", "\\text{hyperbola}"),
        ("\\text{east}", "\\text{west}"),
    ]
    templates = [
        t
        for t in HEDGES
        if t[0] in ("or", "or-rev", "two-boxes", "two-boxes-rev", "maybe", "box-ie", "text-or")
    ]
    for g, d in pairs:
        for kind, tmpl, why in rng.sample(templates, 2):
            c.add("hedge", kind, fill(tmpl, g, d), g, 0, f"{why} (expression/text gold)")
    # several-answer golds: the candidates must be exactly the gold's, no more
    multi = [
        ("1,-2", "1, -2, 3", "a superset of the gold's answers"),
        ("3, 5, 7", "3, 5, 7, 10", "a superset of the gold's answers"),
        ("-2,1", "-2, 1, 2", "a superset of the gold's answers"),
        ("\\{1\\pm\\sqrt{5},-2\\}", "\\{1\\pm\\sqrt{5},-2, 0\\}", "a set with an extra member"),
        ("1,2,3,4", "1, 2, 3, 4, 5", "a superset of the gold's answers"),
        ("-2,-1,1,2", "-2, -1, 0, 1, 2", "a superset of the gold's answers"),
        ("2,-1,-18", "2, -1, -18 \\text{ or } 18", "the gold's answers plus an 'or' alternative"),
        ("19,0,1", "\\boxed{19, 0, 1} \\boxed{20}", "the gold's answers boxed plus another box"),
        (
            "0,-1,-\\frac{3}{2}",
            "0, -1, -\\frac{3}{2}, \\text{ maybe } \\frac{3}{2}",
            "the gold's answers plus a maybe",
        ),
        (
            "\\frac{1}{3},-2,5",
            "\\boxed{\\frac{1}{3}}, \\boxed{-2}, \\boxed{5}, \\boxed{-5}",
            "one box per answer plus an extra box",
        ),
        ("1,-2", "\\boxed{1, -2} \\text{ or } \\boxed{1, 2}", "two different boxed lists"),
        ("(2,2,2),(3,4,3)", "(2,2,2),(3,4,3),(1,1,1)", "the gold's tuples plus an extra tuple"),
        (
            "(3,2),(-3,2),(3,-2),(-3,-2)",
            "(3,2),(-3,2),(3,-2),(-3,-2),(0,0)",
            "the gold's tuples plus an extra tuple",
        ),
    ]
    for g, pred, why in multi:
        c.add("hedge", "multi-superset", pred, g, 0, why)
    # hedged tuples and intervals
    for g, d in [
        ("(6,31,-1)", "(6,31,1)"),
        ("(8,-2)", "(-2,8)"),
        ("(3,4]", "[3,4)"),
        ("(5,\\infty)", "[5,\\infty)"),
    ]:
        c.add("hedge", "or", f"{g} or {d}", g, 0, "two different tuples/intervals joined by 'or'")
        c.add("hedge", "two-boxes", f"{box(d)} {box(g)}", g, 0, "two boxes with different tuples/intervals")
