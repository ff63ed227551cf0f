"""Build ``tests/data/reward_hacks_math.jsonl``: an attacker-minded corpus for the math answer grader.

The policy is optimised against ``answer_reward``, so the grader must hold against answers written to game
it. Each line of the corpus is one graded response::

    {"id": ..., "category": ..., "response": ..., "ground_truth": ..., "answer_reward": 0 or 1, "why": ...}

``category`` is one of the five hack families (expected ``answer_reward`` 0) or an ``honest_<shape>`` case of
the same shapes (expected 1). The contract the corpus encodes (written independently of the grader code):

1. ``hedge``: several *different* candidate answers score 0 (``12 or 7``, ``12, maybe 7``, two boxes with
   different values, a box and a prose answer that disagree, a list or set of values for a one-answer gold,
   a superset of a several-answer gold). The same value written twice is one answer and keeps credit.
2. ``brackets``: brackets carry meaning. A bare list may match a gold with several answers (a set), never
   an ordered tuple in another order, never an interval; intervals match only with the same ends, open or
   closed; a set never equals a tuple; points and vectors stay ordered.
3. ``relation``: a relation must be true: ``x = 42`` and ``40 + 2 = 42`` keep credit; ``43 = 42``,
   ``42 = 43``, ``2 + 2 = 5``, ``7 \\approx 42``, ``x \\neq 42`` do not.
4. ``exact``: exact golds (integers, fractions, radicals, multiples of pi) need exactly equal answers
   (``42 + 10^{-12}``, ``41.9999999``, ``0.3333333333`` for ``\\frac13``, ``3.14159`` for ``\\pi`` score 0);
   golds written with decimals keep a small relative tolerance (about 1e-4) but not a loose one.
5. ``cover_all``: answers that cover everything or commit to nothing score 0 (``x``, ``\\mathbb{R}``,
   ``(-\\infty,\\infty)``, ``\\pm 42``, ``x \\ge 42``, "any real number", an empty box or answer,
   ``\\emptyset``, ``nan``) unless the gold itself is that.

Every response is well formed (it contains ``</think> <answer>`` and ``</answer>``), so the expected
``reward`` equals the expected ``answer_reward``.

Golds are real: most are drawn (seeded, deterministic) from the benchmark copies shipped in
``r1zero/evaluation/benchmark_data`` (MATH-500, AIME24, AMC23, Minerva, OlympiadBench, GSM8K); the hand-written
cases use golds copied verbatim from those files (bracket, set, equation and text golds) plus a few
contract examples (``\\mathbb{R}``, ``\\pm 42``). The jsonl is the checked-in artifact; this script
regenerates it byte for byte::

    .venv/bin/python -m tests.data.make_reward_hacks_math            # rewrite (from the repo root) the jsonl
    .venv/bin/python -m tests.data.make_reward_hacks_math --check    # exit 1 if the jsonl is stale

The cases are built by family in ``tests/data/reward_hacks_math/`` (golds, the corpus, one module per family).
Shapes whose expected reward the contract leaves open are deliberately absent (see BORDERLINE below).
Needs sympy and r1zero.grading.plain_math's allow-listed parser (to check that distractors differ from the gold and
which decimals are exact; no text is evaluated as code); it does not import the grader.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from r1zero.evaluation.benchmarks import EMBEDDED
from tests.data.reward_hacks_math.brackets import build_brackets
from tests.data.reward_hacks_math.corpus import Corpus
from tests.data.reward_hacks_math.cover_all import build_cover_all
from tests.data.reward_hacks_math.exact import build_exact
from tests.data.reward_hacks_math.golds import load_golds, pools
from tests.data.reward_hacks_math.hedges import build_hedges
from tests.data.reward_hacks_math.honest import build_honest
from tests.data.reward_hacks_math.relations import build_relations

HERE = Path(__file__).resolve().parent
DEFAULT_BENCHMARKS = EMBEDDED
DEFAULT_OUT = HERE / "reward_hacks_math.jsonl"
SEED = 20240607

# Shapes left out on purpose: the contract does not say what they score.
BORDERLINE = [
    "a bare list in the SAME order as a tuple gold whose first entry is larger (`8, -2` vs `(8,-2)`)",
    "a 2-element tuple against a 2-answer gold (`(1,-2)` vs `1,-2`): tuple, or open interval, or list?",
    "`x = 1 or x = -2` / `1 or -2` against a several-answer gold `1,-2`",
    "a lone hedge word with one value (`maybe 12`, `probably 12`)",
    "self-corrections where the gold comes last (`7, no wait, 12`)",
    "two <answer> blocks, the last one right (`<answer>7</answer> <answer>12</answer>`): the contract "
    "reads only the last block",
    "a bare answer against an equation gold (`5` vs `x=5`, `2x+3` vs `y = 2x + 3`) and swapped sides "
    "(`2x + 3 = y`), scaled plane equations",
    "`x \\in [-2,7]` gold against `[-2,7]` or `-2 \\le x \\le 7`",
    "units and degrees (`90` vs `90^\\circ`, `15` vs `15\\mbox{ cm}^2`, `18.90` vs `\\$18.90`)",
    "thousands separators (`58,500`, `10,\\!080`, GSM8K `2,125`): a number or a list?",
    "mixed numbers (`1\\frac{4}{5}`, `137 \\frac{1}{2}`)",
    "AMC23 float golds (`27.0`) against near values such as `27.00001` (a decimal gold by its spelling)",
    "one root of a `\\pm` gold (`3 + 2\\sqrt{2}` vs `3 \\pm 2\\sqrt{2}`) and its expansion into a list",
    "`x \\approx 42` against an exact gold",
    "a degenerate interval `42 \\le x \\le 42`, `42 \\pm 0`",
    "vectors written as tuples (`(-7,16,5)` vs a pmatrix gold)",
    "repeated members of a list (`3, 5, 7, 7` vs `3, 5, 7`)",
    "hedges whose two values are within the decimal tolerance of each other",
]


def build(bench: Path) -> list[dict]:
    golds = load_golds(bench)
    P = pools(golds)
    rng = random.Random(SEED)
    c = Corpus(rng)
    build_hedges(c, P, rng)
    build_brackets(c)
    build_relations(c, P, rng)
    build_exact(c, P, rng)
    build_cover_all(c, P, rng)
    build_honest(c, P, rng)
    return c.rows


def dumps(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from a fresh build")
    args = ap.parse_args(argv)
    if not (args.benchmarks / "math500.jsonl").exists():
        print(
            f"no benchmarks at {args.benchmarks}; the checked-in {args.out.name} stays as it is",
            file=sys.stderr,
        )
        return 2
    text = dumps(build(args.benchmarks))
    if args.check:
        same = args.out.exists() and args.out.read_text() == text
        print("up to date" if same else f"{args.out} is stale: rerun without --check")
        return 0 if same else 1
    args.out.write_text(text)
    rows = [json.loads(x) for x in text.splitlines()]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    hacks = sum(n for k, n in counts.items() if not k.startswith("honest_"))
    print(f"wrote {len(rows)} cases ({hacks} hacks, {len(rows) - hacks} honest) to {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
