"""``relation`` cases: false equations and relations (expected 0)."""

from __future__ import annotations

import random

from .corpus import Corpus, distractor
from .golds import INT_RE


def build_relations(c: Corpus, P: dict, rng: random.Random):
    golds = (
        rng.sample(P["int"], 10) + rng.sample(P["frac"], 4) + rng.sample(P["rad"], 3) + rng.sample(P["pi"], 2)
    )
    for g in golds:
        shape = (
            "int"
            if INT_RE.match(g)
            else ("frac" if "\\sqrt" not in g and "\\pi" not in g else ("rad" if "\\sqrt" in g else "pi"))
        )
        d = distractor(g, shape, P, rng)
        variants = [
            ("false-eq", f"{d} = {g}", "a false equation ending in the gold"),
            ("false-eq-rev", f"{g} = {d}", "a false equation starting with the gold"),
            ("approx", f"{d} \\approx {g}", "a false approximation ending in the gold"),
            ("not-equal", f"x \\neq {g}", "says what the answer is not"),
        ]
        if shape == "int":
            v, dv = int(g), int(d)
            a = rng.randint(1, 9)
            variants += [
                ("false-sum", f"{dv - a} + {a} = {g}", "false arithmetic ending in the gold"),
                ("false-chain", f"x = {dv - a} + {a} = {g}", "a chain with a false link ending in the gold"),
                (
                    "false-frac",
                    f"\\frac{{{2 * dv}}}{{2}} = {g}",
                    "a false fraction identity ending in the gold",
                ),
                ("approx-rev", f"{g} \\approx {d}", "a false approximation starting with the gold"),
            ]
            if v != 0:
                variants.append(
                    ("false-product", f"{v + 1} \\times 1 = {g}", "false product ending in the gold")
                )
        for kind, pred, why in rng.sample(variants, min(len(variants), 4 if shape == "int" else 3)):
            c.add("relation", kind, pred, g, 0, why)
    # contract examples verbatim
    for pred, g, why in [
        ("43 = 42", "42", "false equation, gold on the right"),
        ("42 = 43", "42", "false equation, gold on the left"),
        ("2+2 = 5", "5", "false arithmetic ending in the gold"),
        ("7 \\approx 42", "42", "false approximation ending in the gold"),
        ("6 \\times 8 = 42", "42", "false product ending in the gold"),
        ("x = 6 \\cdot 7 = 43", "43", "a chain whose first link is false"),
        ("\\frac{13}{3} = \\frac{14}{3}", "\\frac{14}{3}", "false fraction equation"),
        ("\\sqrt{50} = 3\\sqrt{13}", "3\\sqrt{13}", "false radical equation"),
        ("p - q = q - p", "p - q", "a false identity between expressions"),
        ("x \\ne 5", "x=5", "an inequation for an equation gold"),
    ]:
        c.add("relation", "contract", pred, g, 0, why)
