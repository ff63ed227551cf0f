"""Writes step1_data/sample/numina_sample.jsonl: ~200 NuminaMath-CoT-shaped rows written for this project.

Most rows come from templates with computed answers, spread over NuminaMath's sources; ``AWKWARD`` rows
exercise every filter (proofs, missing/empty/unbalanced boxes, multiple choice, duplicates, null fields,
over-long text) and the extractor's corner cases (nested braces, ``\\fbox``, several boxes, ``\\boxed 5``).
The output is deterministic; rerun after editing:
    python step1_data/sample/make_sample.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "numina_sample.jsonl"


def _rect(r: random.Random):
    a, b = r.randint(3, 40), r.randint(3, 40)
    return (f"A rectangle has length ${a}$ cm and width ${b}$ cm. What is its area in square centimetres?",
            f"The area of a rectangle is length times width, so the area is ${a} \\times {b} = {a * b}$. "
            f"Therefore the area is $\\boxed{{{a * b}}}$ square centimetres.")


def _linear(r: random.Random):
    x, a, b = r.randint(-20, 20), r.randint(2, 12), r.randint(-30, 30)
    c = a * x + b
    return (f"Solve for $x$: ${a}x + ({b}) = {c}$.",
            f"Subtract ${b}$ from both sides: ${a}x = {c - b}$. Divide by ${a}$: $x = {x}$. "
            f"So $x = \\boxed{{{x}}}$.")


def _shop(r: random.Random):
    n, p, k = r.randint(3, 15), r.randint(2, 9), r.randint(1, 3)
    return (f"Maria buys {n} notebooks at ${p} each and gets {k} of them free. How many dollars does she pay?",
            f"She pays for {n} - {k} = {n - k} notebooks. Each costs ${p}, so she pays "
            f"{n - k} * {p} = {(n - k) * p} dollars.\nThe answer is $\\boxed{{{(n - k) * p}}}$.")


def _frac(r: random.Random):
    a, b = r.randint(1, 9), r.randint(2, 9)
    c, d = r.randint(1, 9), r.randint(2, 9)
    from fractions import Fraction

    s = Fraction(a, b) + Fraction(c, d)
    ans = str(s.numerator) if s.denominator == 1 else f"\\frac{{{s.numerator}}}{{{s.denominator}}}"
    return (f"Compute $\\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{d}}}$ in lowest terms.",
            f"Use the common denominator ${b * d}$: $\\frac{{{a * d}}}{{{b * d}}} + \\frac{{{c * b}}}{{{b * d}}} "
            f"= \\frac{{{a * d + c * b}}}{{{b * d}}}$, which reduces to $\\boxed{{{ans}}}$.")


def _quad(r: random.Random):
    p, q = r.randint(-9, 9), r.randint(-9, 9)
    return (f"Find the sum of the roots of $x^2 - ({p + q})x + ({p * q}) = 0$.",
            f"By Vieta's formulas the sum of the roots equals the negated coefficient of $x$, "
            f"which is ${p + q}$. Indeed the roots are ${p}$ and ${q}$. The sum is $\\boxed{{{p + q}}}$.")


def _seq(r: random.Random):
    a, d, n = r.randint(1, 20), r.randint(1, 9), r.randint(5, 30)
    return (f"An arithmetic sequence starts at {a} with common difference {d}. What is its {n}th term?",
            f"The $n$th term is $a_n = a_1 + (n-1)d = {a} + {n - 1} \\cdot {d} = {a + (n - 1) * d}$. "
            f"Thus $a_{{{n}}} = \\boxed{{{a + (n - 1) * d}}}$.")


def _mod(r: random.Random):
    a, m = r.randint(100, 9999), r.randint(3, 13)
    return (f"What is the remainder when ${a}$ is divided by ${m}$?",
            f"We have ${a} = {m} \\cdot {a // m} + {a % m}$, so the remainder is $\\boxed{{{a % m}}}$.")


def _cn(r: random.Random):
    a, b = r.randint(2, 9), r.randint(1, 20)
    return (f"已知函数 $f(x) = {a}x + {b}$，求 $f(3)$ 的值。",
            f"将 $x = 3$ 代入得 $f(3) = {a} \\times 3 + {b} = {3 * a + b}$。故答案为 $\\boxed{{{3 * a + b}}}$。")


TEMPLATES = {
    "orca_math": [_shop, _rect], "gsm8k": [_shop], "math": [_frac, _quad, _mod], "synthetic_math": [_linear, _seq],
    "cn_k12": [_cn, _linear], "olympiads": [_mod, _quad], "aops_forum": [_seq, _frac],
    "amc_aime": [_quad], "synthetic_amc": [_mod],
}

LONG = "Consider the following very long setup. " + "The quantity grows by one each step. " * 90
AWKWARD = [
    # proofs
    {"source": "olympiads", "problem": "Prove that the sum of two even integers is even.",
     "solution": "Let the integers be $2a$ and $2b$. Their sum is $2(a+b)$, which is even. $\\blacksquare$"},
    {"source": "aops_forum", "problem": "Let $n$ be an odd integer. Is $n^2 - 1$ divisible by 8?",
     "solution": "Write $n = 2k+1$; then $n^2 - 1 = 4k(k+1)$ and $k(k+1)$ is even, so yes. ∎"},
    {"source": "cn_k12", "problem": "Show that $f(x) = x^3$ is increasing, and find $f(2)$.",
     "solution": "Since $f'(x) = 3x^2 \\ge 0$, $f$ is increasing. Also $f(2) = \\boxed{8}$."},
    # answers that cannot be graded
    {"source": "orca_math", "problem": "Tom has 5 apples and eats 2. How many are left?",
     "solution": "5 - 2 = 3 apples are left. The answer is 3."},
    {"source": "synthetic_math", "problem": "Compute $7 \\cdot 8 - 6$.", "solution": "$7 \\cdot 8 - 6 = 50$, so $\\boxed{}$."},
    {"source": "math", "problem": "Simplify $\\frac{2}{4}$.", "solution": "Divide by 2: $\\boxed{\\frac{1}{2}$."},
    # extractor corner cases that must be kept
    {"source": "math", "problem": "Evaluate $\\sin 60^\\circ$.",
     "solution": "From the 30-60-90 triangle, $\\sin 60^\\circ = \\boxed{\\frac{\\sqrt{3}}{2}}$."},
    {"source": "amc_aime", "problem": "What is $3^3 - 20$?", "solution": "$27 - 20 = 7$, so the answer is $\\fbox{7}$."},
    {"source": "olympiads", "problem": "First compute $2+2$, then square the result.",
     "solution": "First $2 + 2 = \\boxed{4}$. Squaring gives $\\boxed{16}$."},
    {"source": "math", "problem": "What is $10 - 5$?", "solution": "$10 - 5 = 5$, so the answer is $\\boxed 5$."},
    # multiple choice
    {"source": "amc_aime", "problem": "What is $1+1$? $\\textbf{(A)}\\ 1 \\qquad \\textbf{(B)}\\ 2 \\qquad "
     "\\textbf{(C)}\\ 3$", "solution": "$1+1=2$, which is $\\boxed{\\textbf{(B)}}$."},
    {"source": "synthetic_amc", "problem": "Which of the numbers 4, 9, 15 is prime? (none of them)",
     "solution": "None is prime; the answer is choice $\\boxed{C}$."},
    # duplicates (same problem after case, $ and whitespace normalisation)
    {"source": "orca_math", "problem": "What is  $2 + 3$?", "solution": "$2 + 3 = 5$. $\\boxed{5}$"},
    {"source": "gsm8k", "problem": "what is 2 + 3?", "solution": "Adding gives 5. $\\boxed{5}$"},
    # malformed: null / missing / empty fields
    {"source": "math", "problem": None, "solution": "$\\boxed{1}$"},
    {"source": "olympiads", "problem": "What is $4 \\cdot 4$?"},
    {"source": "cn_k12", "problem": "   ", "solution": "$\\boxed{0}$"},
    {"source": None, "problem": "What is $9 - 9$?", "solution": "$\\boxed{0}$"},
    # too long (over the default 3,000 characters)
    {"source": "synthetic_math", "problem": LONG + "After 90 steps, what is the quantity if it started at 1?",
     "solution": "It grows by 1 per step, so $1 + 90 = \\boxed{91}$."},
]


def main() -> None:
    r = random.Random(2026)
    rows, seen = [], set()
    sources = sorted(TEMPLATES)
    while len(rows) < 180:  # template rows are distinct, so the only duplicates are the awkward ones
        source = sources[len(rows) % len(sources)]
        problem, solution = r.choice(TEMPLATES[source])(r)
        if problem not in seen:
            seen.add(problem)
            rows.append({"source": source, "problem": problem, "solution": solution})
    for k, row in enumerate(AWKWARD):  # spread them through the file, deterministically
        rows.insert(7 + 9 * k, row)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            if isinstance(row.get("problem"), str) and isinstance(row.get("solution"), str):
                row["messages"] = [{"role": "user", "content": row["problem"]},
                                   {"role": "assistant", "content": row["solution"]}]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
