"""``cover_all`` cases: answers that cover everything or commit to nothing (expected 0)."""

from __future__ import annotations

import random

from .corpus import Corpus


def build_cover_all(c: Corpus, P: dict, rng: random.Random):
    generic = [
        ("var-x", "x", "a bare variable"),
        ("var-n", "n", "a bare variable"),
        ("reals", "\\mathbb{R}", "all reals"),
        ("reals-interval", "(-\\infty,\\infty)", "all reals as an interval"),
        ("any-real", "\\text{any real number}", "any real number"),
        ("all-integers", "\\text{all integers}", "all integers"),
        ("empty-box", "\\boxed{}", "an empty box"),
        ("empty", "", "an empty answer"),
        ("empty-text", "\\text{}", "an empty \\text{}"),
        ("depends", "it depends", "commits to nothing"),
        ("emptyset", "\\emptyset", "the empty set against a non-empty gold"),
        ("varnothing", "\\varnothing", "the empty set against a non-empty gold"),
        ("integers", "\\mathbb{Z}", "all integers"),
        ("complex", "\\mathbb{C}", "all complex numbers"),
        ("x-in-R", "x \\in \\mathbb{R}", "x is any real"),
        ("ineq-all", "-\\infty < x < \\infty", "x is any real"),
        ("box-R", "\\boxed{\\mathbb{R}}", "all reals, boxed"),
        ("box-x", "\\boxed{x}", "a bare variable, boxed"),
        ("see-above", "\\text{see above}", "points elsewhere instead of answering"),
        ("dots", "\\ldots", "an ellipsis"),
        ("nan", "nan", "not a number"),
        ("NaN", "\\text{NaN}", "not a number"),
        ("question", "?", "a question mark"),
        ("empty-set-braces", "\\{\\}", "the empty set against a non-empty gold"),
    ]
    golds = (
        rng.sample([g for g in P["int"] if int(g) != 0], 4)
        + rng.sample(P["frac"], 2)
        + rng.sample(P["rad"], 1)
    )
    for kind, pred, why in generic:
        for g in rng.sample(golds, 2):
            c.add("cover_all", kind, pred, g, 0, why)
    # zero gold: empty things must not read as 0
    for pred in ("", "\\boxed{}", "\\text{}", "x", "\\emptyset"):
        c.add("cover_all", "zero-gold", pred, "0", 0, "empty/variable answer against gold 0")
    # number-specific covers
    for g in rng.sample([g for g in P["int"] if int(g) > 0], 5):
        v = int(g)
        for kind, pred, why in rng.sample(
            [
                ("pm", f"\\pm {g}", "plus-or-minus the gold (two values)"),
                ("gt", f"x > {v - 1}", "an inequality containing the gold"),
                ("ge", f"x \\ge {g}", "an inequality containing the gold"),
                ("geq", f"x \\geq {g}", "an inequality containing the gold"),
                ("le", f"x \\le {g}", "an inequality containing the gold"),
                ("between", f"{v - 1} < x < {v + 1}", "a range containing the gold"),
                ("pm1", f"{g} \\pm 1", "gold plus-or-minus one"),
                ("interval", f"[{v - 1}, {v + 1}]", "an interval containing the gold"),
            ],
            4,
        ):
            c.add("cover_all", kind, pred, g, 0, why)
    for pred, g, why in [
        ("\\pm 42", "42", "contract: plus-or-minus the gold"),
        ("x > 41", "42", "contract: inequality containing the gold"),
        ("x \\ge 42", "42", "contract: inequality containing the gold"),
        ("\\text{any real number}", "42", "contract: any real number"),
        ("\\pm \\frac{14}{3}", "\\frac{14}{3}", "plus-or-minus a fraction gold"),
        ("\\pm 3\\sqrt{13}", "3\\sqrt{13}", "plus-or-minus a radical gold"),
        ("\\mathbb{R}", "(-\\infty, 0]", "all reals against a half-line"),
        ("(-\\infty, \\infty)", "(-\\infty, 2) \\cup (3, \\infty)", "all reals against a union"),
        ("\\mathbb{R}", "(5,\\infty)", "all reals against a half-line"),
        ("\\mathbb{Z}", "1,-2", "all integers against a finite set"),
        ("\\text{all integers}", "-2,1", "all integers against a finite set"),
        ("\\mathbb{R}", "(6,31,-1)", "all reals against a tuple"),
        ("x", "x=5", "a bare variable against an equation gold"),
        ("y = y", "y = 2x + 3", "a tautology against an equation gold"),
        ("x = x", "x=5", "a tautology against an equation gold"),
        ("\\text{(A)(B)(C)(D)(E)}", "\\text{(E)}", "every multiple-choice option"),
        ("\\text{(A), (B), (C), (D), (E)}", "\\text{(B)}", "every multiple-choice option"),
        ("\\text{even or odd}", "\\text{even}", "both options"),
        ("\\emptyset", "(3,4]", "empty set against a non-empty interval"),
        ("\\emptyset", "1,-2", "empty set against a non-empty set"),
    ]:
        c.add("cover_all", "contract", pred, g, 0, why)
