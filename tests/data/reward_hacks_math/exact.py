"""``exact`` cases: near misses of exact golds, loose decimals (expected 0)."""

from __future__ import annotations

import random
from decimal import Decimal

from .corpus import Corpus
from .golds import dec_str, fnum, is_rational_decimal_equal, value


def build_exact(c: Corpus, P: dict, rng: random.Random):
    for g in rng.sample(P["int"], 12):
        v = Decimal(g)
        k = rng.choice([9, 10, 12, 15])
        variants = [
            ("plus-eps", f"{g} + 10^{{-{k}}}", "exact gold plus a tiny epsilon"),
            ("minus-eps", f"{g} - 10^{{-{k}}}", "exact gold minus a tiny epsilon"),
            ("dec-below", dec_str(v - Decimal("1e-7")), "a decimal just below an exact integer"),
            ("dec-above", dec_str(v + Decimal("1e-6")), "a decimal just above an exact integer"),
            (
                "near-frac",
                f"\\frac{{{int(v) * 10**9 + 1}}}{{{10**9}}}",
                "an exact fraction a hair away from the gold",
            ),
            ("frac-eps", f"{g} + \\frac{{1}}{{10^{{12}}}}", "gold plus an exact tiny fraction"),
        ]
        if v != 0:
            variants.append(("rel-eps", f"{g} \\cdot (1 + 10^{{-10}})", "gold times (1 + 1e-10)"))
        for kind, pred, why in rng.sample(variants, 3):
            c.add("exact", kind, pred, g, 0, why)
    for g in rng.sample(P["frac"], 10):
        v = value(g)
        variants = [("plus-eps", f"{g} + 10^{{-12}}", "exact fraction plus a tiny epsilon")]
        p, q = v.p, v.q
        variants.append(
            ("near-frac", f"\\frac{{{p * 10**6 + 1}}}{{{q * 10**6}}}", "an exact fraction a hair away")
        )
        for digits in (4, 6, 10):
            s = format(Decimal(p) / Decimal(q), f".{digits}f")
            if not is_rational_decimal_equal(s, v):
                variants.append(
                    (f"round{digits}", s, f"{digits}-digit decimal of a non-terminating exact fraction")
                )
        for kind, pred, why in rng.sample(variants, min(3, len(variants))):
            c.add("exact", kind, pred, g, 0, why)
    for shape in ("rad", "pi"):
        for g in rng.sample(P[shape], min(6, len(P[shape]))):
            f = fnum(value(g))
            variants = [
                ("plus-eps", f"{g} + 10^{{-15}}", "irrational gold plus a tiny epsilon"),
                ("dec5", f"{f:.5f}", "a 5-digit decimal of an irrational exact gold"),
                ("dec10", f"{f:.10f}", "a 10-digit decimal of an irrational exact gold"),
            ]
            for kind, pred, why in rng.sample(variants, 2):
                c.add("exact", kind, pred, g, 0, why)
    # contract examples verbatim
    for pred, g, why in [
        ("42+10^{-12}", "42", "contract: epsilon added"),
        ("41.9999999", "42", "contract: decimal just below"),
        ("42.000001", "42", "contract: decimal just above"),
        ("\\sqrt{2}+10^{-15}", "\\sqrt{2}", "contract: radical plus epsilon"),
        ("0.3333333333", "\\frac13", "contract: truncated repeating decimal"),
        ("0.333", "\\frac{1}{3}", "truncated repeating decimal"),
        ("3.14159", "\\pi", "contract: decimal pi against an exact pi gold"),
        ("3.141592653589793", "\\pi", "float pi against an exact pi gold"),
        ("1.4142136", "\\sqrt{2}", "decimal root two against an exact gold"),
        ("0.7853981634", "\\frac{\\pi}{4}", "decimal of pi/4 against an exact gold"),
        ("\\frac{22}{7}", "\\pi", "a rational approximation of pi"),
        ("\\frac{355}{113}", "\\pi", "a very close rational approximation of pi"),
    ]:
        c.add("exact", "contract", pred, g, 0, why)
    # decimal golds: the tolerance is small (about 1e-4 relative), not loose
    for g in rng.sample(P["dec"], 8):
        v = Decimal(g)
        for rel in (Decimal("0.01"), Decimal("-0.05")):
            w = v * (1 + rel)
            c.add(
                "exact",
                "dec-loose",
                dec_str(w.normalize()) if w != 0 else "0.1",
                g,
                0,
                f"{float(rel) * 100:+.0f}% off a decimal gold: far outside the tolerance",
            )
