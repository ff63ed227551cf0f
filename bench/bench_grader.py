"""Benchmark the r1_zero grader on a realistic GRPO mix; CPU only.

    python bench/bench_grader.py                 # 2,048 answers (256 problems x 8 samples)
    python bench/bench_grader.py --problems 64   # quicker

The mix: groups of 8 samples per problem, about 1,500 characters of reasoning each, 50% correct (often
written in another form: \\frac{10}{2} for 5, 1,000 for 1000, \\sqrt{8} for 2\\sqrt{2}), 35% wrong and 15%
format failures; golds are half GSM8K-like integers, half MATH-like (fractions, radicals, pi, tuples,
intervals). It prints answers/s for ``grade_many`` with 1 and 2 workers (batches of 32 groups, like
GRPO steps), the same for a baseline in this process (math-verify ``parse`` + ``verify`` in a plain
loop), per-answer latency p50/p99/max (one answer per call, warm pool), and the ratios.

The cheap in-process layers settle that whole mix, so the worker count hardly matters there; a second
slice of answers that only math-verify can settle (polynomials, equations, matrices) shows the pool's
own throughput with 1 and 2 workers. A third slice is the reward-hacking corpus
(``tests/data/reward_hacks_math.jsonl``: hedges, bracket games, false relations, near misses, cover-all
answers and honest answers of the same shapes on real benchmark golds), against the math-verify loop on
the same answers. Last, hostile answers (``9^{9^{9^{9}}}``, 400 nested ``\\sqrt{``, 200k characters...) are
timed one by one against the ``timeout_s + 0.5`` s bound. Every figure is measured with empty caches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

GROUP = 8
STEP_GROUPS = 32


def _reasoning(rng: random.Random) -> str:
    words = "so we add the two terms then divide by the count and check the units carefully again".split()
    out = []
    while sum(len(w) + 1 for w in out) < 1500:
        out.append(rng.choice(words) if rng.random() < 0.8 else str(rng.randint(1, 999)))
    return " ".join(out)


def _problem(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """(gold, correct answers in several forms, wrong answers)."""
    kind = rng.choice(["int", "int", "int", "int", "frac", "sqrt", "pi", "tuple", "interval", "big"])
    if kind == "int":
        g = rng.randint(2, 500)
        return str(g), [str(g), f"\\boxed{{{g}}}", f"{g}.0", f"\\frac{{{2 * g}}}{{2}}", f"{g} dollars", f"x = {g}"], [
            str(g + rng.randint(1, 9)), str(g - 1), f"\\frac{{{g}}}{{2}}"]
    if kind == "big":
        g = rng.randint(1000, 99999)
        return str(g), [f"{g:,}", str(g), f"{g}"], [f"{g + 10:,}", str(g * 10)]
    if kind == "frac":
        p, q = rng.choice([(1, 2), (3, 4), (2, 3), (5, 8), (7, 3)])
        return f"\\frac{{{p}}}{{{q}}}", [f"\\frac{{{p}}}{{{q}}}", f"\\dfrac{{{p}}}{{{q}}}", f"{p}/{q}", f"\\frac{{{2 * p}}}{{{2 * q}}}"], [
            f"\\frac{{{q}}}{{{p}}}", f"\\frac{{{p + 1}}}{{{q}}}"]
    if kind == "sqrt":
        a, b = rng.choice([(2, 2), (3, 2), (2, 3), (5, 2)])
        return f"{a}\\sqrt{{{b}}}", [f"{a}\\sqrt{{{b}}}", f"\\sqrt{{{a * a * b}}}", f"{a} \\sqrt{b}"], [
            f"{a + 1}\\sqrt{{{b}}}", f"\\sqrt{{{a * b}}}"]
    if kind == "pi":
        k = rng.randint(2, 9)
        return f"{k}\\pi", [f"{k}\\pi", f"{k} \\pi", f"\\pi \\cdot {k}"], [f"{k + 1}\\pi", f"{k}"]
    if kind == "tuple":
        x, y = rng.randint(-9, 9), rng.randint(-9, 9)
        return f"({x}, {y})", [f"({x},{y})", f"\\left({x}, {y}\\right)"], [f"({y + 10}, {x})", f"({x}, {y + 1})"]
    lo, hi = sorted(rng.sample(range(-9, 10), 2))
    return f"[{lo}, {hi})", [f"[{lo},{hi})", f"\\left[{lo}, {hi}\\right)"], [f"({lo},{hi})", f"[{lo},{hi}]"]


def build_mix(problems: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    responses, golds = [], []
    for _ in range(problems):
        gold, right, wrong = _problem(rng)
        # a group repeats a few answers, as sampled groups do
        picks = [rng.choice(right) for _ in range(2)] + [rng.choice(wrong) for _ in range(2)]
        for _ in range(GROUP):
            r = rng.random()
            reasoning = _reasoning(rng)
            if r < 0.50:
                responses.append(f"{reasoning} </think> <answer> {rng.choice(picks[:2])} </answer>")
            elif r < 0.85:
                responses.append(f"{reasoning} </think> <answer> {rng.choice(picks[2:])} </answer>")
            else:
                responses.append(rng.choice([f"{reasoning} so \\boxed{{{picks[0]}}}", reasoning[:800]]))
            golds.append(gold)
    return responses, golds


def build_symbolic_slice(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    """Answers only math-verify can settle (polynomials, equations, matrices): the pool's own speed."""
    rng = random.Random(seed)
    responses, golds = [], []
    for i in range(n):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        gold, pred = rng.choice([
            (f"x^2+{a + b}x+{a * b}", f"(x+{a})(x+{b})"),
            (f"(x+{a})(x+{b})", f"x^2+{a + b}x+{a * b + 1}"),
            (f"y={a}x+{b}", f"y = {b} + {a}x"),
            (f"\\begin{{pmatrix}}{a}\\\\{b}\\end{{pmatrix}}", f"\\begin{{pmatrix}}{a}\\\\{b + i % 2}\\end{{pmatrix}}"),
            (f"\\frac{{x}}{{{a}}}+{b}", f"\\frac{{x+{a * b}}}{{{a}}}"),
        ])
        responses.append(f"{_reasoning(rng)} </think> <answer> {pred} </answer>")
        golds.append(gold)
    return responses, golds


HOSTILE = ["9^{9^{9^{9}}}", "\\sqrt{" * 400, "1" * 200_000, "{" * 300 + "}" * 5, "\x00\x00\\frac{\x00}", "10^{10^{10}}",
           "(" * 300 + "1", "\\begin{pmatrix}" * 50, "2^{2^{2^{2^{2^{2}}}}}", "x" * 5000 + "^{99999}"]


def hostile_latencies(timeout_s: float) -> list[float]:
    """Seconds per hostile answer, one per call (warm pool): each must stay under timeout_s + 0.5."""
    from r1zero.grading import grader as grading

    out = []
    for answer in HOSTILE:
        grading.clear_caches()
        start = time.perf_counter()
        grading.grade_many([f"r </think> <answer> {answer} </answer>"], ["3"], workers=1, timeout_s=timeout_s)
        out.append(time.perf_counter() - start)
    return out


def baseline_math_verify(responses: list[str], golds: list[str]) -> float:
    """answers/s for math-verify parse + verify in a plain loop (its own signal timeouts on)."""
    from math_verify import parse, verify

    start = time.perf_counter()
    for response, gold in zip(responses, golds, strict=True):
        verify(parse(f"${gold}$"), parse(response))
    return len(responses) / (time.perf_counter() - start)


def throughput(responses, golds, workers: int) -> float:
    from r1zero.grading import grader as grading

    grading.clear_caches()  # measure grading, not the cross-call memory
    step = GROUP * STEP_GROUPS
    start = time.perf_counter()
    for i in range(0, len(responses), step):
        grading.grade_many(responses[i : i + step], golds[i : i + step], workers=workers)
    return len(responses) / (time.perf_counter() - start)


def latencies(responses, golds, n: int) -> list[float]:
    from r1zero.grading import grader as grading

    out = []
    for response, gold in list(zip(responses, golds, strict=True))[:n]:
        grading.clear_caches()
        start = time.perf_counter()
        grading.grade_many([response], [gold], workers=1)
        out.append(time.perf_counter() - start)
    return out


def corpus_slice() -> tuple[list[str], list[str]]:
    """The reward-hacking corpus's responses and golds."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "reward_hacks_math.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["response"] for r in rows], [r["ground_truth"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=256, help="problems in the mix (x8 answers)")
    parser.add_argument("--latency-samples", type=int, default=300)
    parser.add_argument("--symbolic", type=int, default=256, help="answers in the math-verify-only slice")
    args = parser.parse_args()

    from r1zero.grading import grader as grading

    responses, golds = build_mix(args.problems)
    print(f"mix: {len(responses)} answers, {args.problems} problems x {GROUP}, "
          f"{statistics.mean(len(r) for r in responses):.0f} chars/response")
    grading.start_pool(2)
    base_n = min(len(responses), 512)
    base = baseline_math_verify(responses[:base_n], golds[:base_n])
    w1 = throughput(responses, golds, 1)
    w2 = throughput(responses, golds, 2)
    lat = sorted(latencies(responses, golds, args.latency_samples))
    sym_r, sym_g = build_symbolic_slice(args.symbolic)
    s1 = throughput(sym_r, sym_g, 1)
    s2 = throughput(sym_r, sym_g, 2)
    hack_r, hack_g = corpus_slice()
    hack_base = baseline_math_verify(hack_r, hack_g)
    h1, h2 = throughput(hack_r, hack_g, 1), throughput(hack_r, hack_g, 2)
    hostile = hostile_latencies(2.0)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(f"baseline math-verify parse+verify loop: {base:8.0f} answers/s ({base_n} answers)")
    print(f"grade_many workers=1:                   {w1:8.0f} answers/s  ({w1 / base:.1f}x baseline)")
    print(f"grade_many workers=2:                   {w2:8.0f} answers/s  ({w2 / base:.1f}x baseline, "
          f"{w2 / w1:.2f}x workers=1)")
    print(f"latency per answer (1 per call, warm): p50 {p(0.5):.2f} ms  p99 {p(0.99):.2f} ms  max {lat[-1] * 1000:.2f} ms")
    print(f"symbolic slice ({len(sym_r)} answers, all through math-verify workers): workers=1 {s1:.0f}/s, "
          f"workers=2 {s2:.0f}/s ({s2 / s1:.2f}x)")
    print(f"reward-hacking corpus ({len(hack_r)} answers): math-verify loop {hack_base:.0f}/s, grade_many "
          f"workers=1 {h1:.0f}/s ({h1 / hack_base:.1f}x), workers=2 {h2:.0f}/s ({h2 / hack_base:.1f}x)")
    print(f"hostile answers ({len(HOSTILE)}, timeout_s=2.0): max {max(hostile):.2f} s "
          f"(limit 2.5 s), mean {statistics.mean(hostile):.2f} s")
    grading.shutdown_pool()


if __name__ == "__main__":
    main()
