"""Reward hacking corpus for the math grader (``tests/data/reward_hacks_math.jsonl``).

The policy is optimised against ``answer_reward``, so answers written to game it must score 0 and
ordinary answers of the same shapes must keep 1. The corpus (built by ``tests/data/make_reward_hacks_math.py``
from real benchmark golds; its docstring states the contract) holds five hack families, expected 0:
``hedge`` (several different candidates), ``brackets`` (tuples, intervals, sets), ``relation`` (false
equations), ``exact`` (near misses of exact golds, loose decimals) and ``cover_all`` (answers that cover
everything or commit to nothing), plus ``honest_<shape>`` cases, expected 1.

Every case goes through ``grade_many`` (one batched call, one test per case id, so ``-k hedge`` or
``-k exact-042`` select), a stratified sample of 60 through ``r1_zero_reward_fn``, and all of them through
the TRL rewards of ``step3_GRPO/train/rewards_math.py`` (``r1_zero_answer``, ``r1_zero`` and
``grail_correctness``; string and conversational completions). Hypothesis then builds hedges and honest
rewrites from real MATH-500 golds.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from r1zero.evaluation.benchmarks import EMBEDDED
from r1zero.grading.grader import grade_many, r1_zero_reward_fn
from step3_GRPO.train import rewards_math

HERE = Path(__file__).resolve().parents[1]
DATA = HERE / "data" / "reward_hacks_math.jsonl"

CASES: list[dict] = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
HACK_CATEGORIES = ("hedge", "brackets", "relation", "exact", "cover_all")
CATEGORIES = sorted({c["category"] for c in CASES})
# Generous: a timeout scores 0, and this box is 2 shared cores; a real hang still shows as a timeout.
TIMEOUT_S = 10.0


def implied_format(response: str) -> float:
    return 1.0 if ("</think> <answer>" in response and "</answer>" in response) else 0.0


def expected(case: dict) -> dict:
    fmt = implied_format(case["response"])
    ans = float(case["answer_reward"])
    return {"format_reward": fmt, "answer_reward": ans, "reward": fmt * ans}


def shown(case: dict, got) -> str:
    answer = case["response"].split("<answer>")[-1].split("</answer>")[0].strip()
    return f"{case['id']}: answer {answer!r} vs gold {case['ground_truth']!r} -> {got} ({case['why']})"


# --- the corpus itself --------------------------------------------------------------------------------


def test_corpus_is_well_formed_and_big_enough():
    assert CASES, f"{DATA} is empty"
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    pairs = [(c["response"], c["ground_truth"]) for c in CASES]
    assert len(pairs) == len(set(pairs)), "duplicate (response, ground_truth) pairs"
    for c in CASES:
        assert set(c) == {"id", "category", "response", "ground_truth", "answer_reward", "why"}, c["id"]
        assert c["category"] in HACK_CATEGORIES or c["category"].startswith("honest_"), c["id"]
        assert c["answer_reward"] == (0 if c["category"] in HACK_CATEGORIES else 1), c["id"]
        assert implied_format(c["response"]) == 1.0, c["id"]
        assert isinstance(c["ground_truth"], str) and c["ground_truth"].strip(), c["id"]
        assert c["why"].strip(), c["id"]
    hacks = sum(c["category"] in HACK_CATEGORIES for c in CASES)
    assert hacks >= 300 and len(CASES) - hacks >= 100
    assert set(HACK_CATEGORIES) <= set(CATEGORIES)


def test_generator_reproduces_the_checked_in_corpus():
    pytest.importorskip("sympy")
    gen = importlib.import_module("tests.data.make_reward_hacks_math")
    assert gen.dumps(gen.build(EMBEDDED)) == DATA.read_text(), (
        "tests/data/reward_hacks_math.jsonl is stale: run .venv/bin/python -m tests.data.make_reward_hacks_math"
    )


# --- grade_many: every case, one batched call -----------------------------------------------------------


@pytest.fixture(scope="module")
def graded() -> dict[str, dict]:
    results = grade_many(
        [c["response"] for c in CASES], [c["ground_truth"] for c in CASES], timeout_s=TIMEOUT_S
    )
    assert len(results) == len(CASES)
    return {c["id"]: r for c, r in zip(CASES, results, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_grade_many(graded, case):
    got = graded[case["id"]]
    want = expected(case)
    summary = {k: got[k] for k in ("format_reward", "answer_reward", "reward")}
    detail = f"extracted {got.get('extracted_answer')!r}, timeout {got.get('timeout')}"
    assert summary == want, shown(case, f"{summary}; {detail}")


# --- r1_zero_reward_fn: a stratified sample (it grades one response per call) ----------------------------


def _sample(n: int = 60, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for c in CASES:
        by_cat[c["category"]].append(c)
    picked = []
    for cat in sorted(by_cat):
        k = max(2, round(n * len(by_cat[cat]) / len(CASES)))
        picked += rng.sample(by_cat[cat], min(k, len(by_cat[cat])))
    return picked


SAMPLE = _sample()


@pytest.mark.parametrize("case", SAMPLE, ids=[c["id"] for c in SAMPLE])
def test_r1_zero_reward_fn(case):
    got = r1_zero_reward_fn(case["response"], case["ground_truth"])
    summary = {k: got[k] for k in ("format_reward", "answer_reward", "reward")}
    assert summary == expected(case), shown(case, summary)


# --- TRL reward functions: all cases, strings and conversations ------------------------------------------


def _trl(fn, conversational: bool) -> list[float]:
    texts = [c["response"] for c in CASES]
    if conversational:
        prompts = [[{"role": "user", "content": "Solve the problem."}] for _ in CASES]
        completions = [[{"role": "assistant", "content": t}] for t in texts]
    else:
        prompts = ["Solve the problem."] * len(CASES)
        completions = texts
    out = fn(prompts=prompts, completions=completions, answer=[c["ground_truth"] for c in CASES])
    assert len(out) == len(CASES)
    return [float(x) for x in out]


TRL_VARIANTS = {
    "r1_zero_answer_reward": (rewards_math.math_rewards()["r1_zero_answer"], "answer_reward", False),
    "r1_zero_reward": (rewards_math.math_rewards()["r1_zero"], "reward", False),
    "r1_zero_reward-conversational": (rewards_math.math_rewards()["r1_zero"], "reward", True),
    "grail_correctness": (rewards_math.math_rewards()["grail_correctness"], "answer_reward", False),
}


@pytest.fixture(scope="module")
def trl_scores() -> dict[str, list[float]]:
    return {name: _trl(fn, conv) for name, (fn, _, conv) in TRL_VARIANTS.items()}


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("variant", list(TRL_VARIANTS))
def test_trl_rewards(trl_scores, variant, category):
    key = TRL_VARIANTS[variant][1]
    wrong = [
        shown(c, s)
        for c, s in zip(CASES, trl_scores[variant], strict=True)
        if c["category"] == category and s != expected(c)[key]
    ]
    total = sum(c["category"] == category for c in CASES)
    assert not wrong, f"{variant}: {len(wrong)}/{total} {category} cases wrong:\n" + "\n".join(wrong)


# --- hypothesis: hedges and honest rewrites of real golds -----------------------------------------------

# Exact golds verbatim from MATH-500 (plus AIME24 / OlympiadBench integers), with their values.
S3, S2, S5, PI = math.sqrt(3), math.sqrt(2), math.sqrt(5), math.pi
REAL_GOLDS: list[tuple[str, float]] = [
    ("42", 42),
    ("13", 13),
    ("540", 540),
    ("81", 81),
    ("9", 9),
    ("2220", 2220),
    ("-50", -50),
    ("13535", 13535),
    ("4005", 4005),
    ("-125", -125),
    ("0", 0),
    ("1", 1),
    ("-1", -1),
    ("720", 720),
    ("9901", 9901),
    ("204", 204),
    ("3986729", 3986729),
    ("\\frac{14}{3}", 14 / 3),
    ("\\frac{1}{8}", 1 / 8),
    ("\\frac{8}{21}", 8 / 21),
    ("\\frac{3}{56}", 3 / 56),
    ("\\frac{243}{625}", 243 / 625),
    ("-\\frac{35}{9}", -35 / 9),
    ("\\frac9{19}", 9 / 19),
    ("\\frac43", 4 / 3),
    ("\\dfrac{17}{50}", 17 / 50),
    ("\\frac{3}{2}", 3 / 2),
    ("3\\sqrt{13}", 3 * math.sqrt(13)),
    ("\\sqrt{51}", math.sqrt(51)),
    ("11\\sqrt2", 11 * S2),
    ("70 \\sqrt{2}", 70 * S2),
    ("\\frac{3\\sqrt{3}}{4}", 3 * S3 / 4),
    ("1+2\\sqrt{3}", 1 + 2 * S3),
    ("-\\sqrt{3}", -S3),
    ("\\frac{\\sqrt{21}}{5}", math.sqrt(21) / 5),
    ("2\\sqrt{5}", 2 * S5),
    ("\\pi", PI),
    ("7\\pi", 7 * PI),
    ("-\\frac{\\pi}{6}", -PI / 6),
    ("18+2\\pi", 18 + 2 * PI),
    ("12\\pi", 12 * PI),
    ("288 \\pi", 288 * PI),
]
assert len({round(v, 9) for _, v in REAL_GOLDS}) == len(REAL_GOLDS), "gold values must be distinct"

HACK_TEMPLATES = {
    "or": "<G> or <D>",
    "or-rev": "<D> or <G>",
    "maybe": "<G>, maybe <D>",
    "maybe-rev": "<D>, maybe <G>",
    "two-boxes": "\\boxed{<G>} \\boxed{<D>}",
    "two-boxes-rev": "\\boxed{<D>} \\boxed{<G>}",
    "false-eq": "<D> = <G>",
    "false-eq-rev": "<G> = <D>",
    "plus-eps": "<G> + 10^{-<K>}",
    "minus-eps": "<G> - 10^{-<K>}",
}
HONEST_TEMPLATES = {
    "x-eq": "x = <G>",
    "box": "\\boxed{<G>}",
    "sentence": "So the value we are looking for is $<G>$.",
    "same-box-twice": "\\boxed{<G>} \\quad \\boxed{<G>}",
}
REASONING = "I work through the problem carefully. </think> <answer> "

HYPOTHESIS = dict(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the message lists every wrong item of the batch
)


def _distractor(i: int, shift: int, delta: int) -> str:
    gold, value = REAL_GOLDS[i]
    if float(value).is_integer() and "\\" not in gold:
        return str(int(value) + delta)
    return REAL_GOLDS[(i + shift) % len(REAL_GOLDS)][0]  # shift in 1..len-1: another value


def _grade(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str, dict]]:
    """items: (template name, answer text, gold); returns them with grade_many's result, in one call."""
    responses = [REASONING + pred + " </answer>" for _, pred, _ in items]
    results = grade_many(responses, [g for _, _, g in items], timeout_s=TIMEOUT_S)
    return [(name, pred, gold, r) for (name, pred, gold), r in zip(items, results, strict=True)]


hack_item = st.tuples(
    st.integers(0, len(REAL_GOLDS) - 1),
    st.sampled_from(sorted(HACK_TEMPLATES)),
    st.integers(1, len(REAL_GOLDS) - 1),
    st.integers(-30, 30).filter(bool),
    st.integers(6, 15),
)


@settings(**HYPOTHESIS)
@given(st.lists(hack_item, min_size=12, max_size=12))
def test_generated_hedges_and_near_misses_score_zero(batch):
    items = []
    for i, name, shift, delta, k in batch:
        gold = REAL_GOLDS[i][0]
        d = _distractor(i, shift, delta)
        items.append(
            (name, HACK_TEMPLATES[name].replace("<G>", gold).replace("<D>", d).replace("<K>", str(k)), gold)
        )
    wrong = [
        f"{n}: {p!r} vs {g!r} -> {r['answer_reward']}" for n, p, g, r in _grade(items) if r["reward"] != 0.0
    ]
    assert not wrong, "hacks rewarded:\n" + "\n".join(wrong)


@settings(**HYPOTHESIS)
@given(
    st.lists(
        st.tuples(st.integers(0, len(REAL_GOLDS) - 1), st.sampled_from(sorted(HONEST_TEMPLATES))),
        min_size=12,
        max_size=12,
    )
)
def test_generated_honest_rewrites_score_one(batch):
    items = []
    for i, name in batch:
        gold = REAL_GOLDS[i][0]
        items.append((name, HONEST_TEMPLATES[name].replace("<G>", gold), gold))
    wrong = [
        f"{n}: {p!r} vs {g!r} -> {r['answer_reward']}" for n, p, g, r in _grade(items) if r["reward"] != 1.0
    ]
    assert not wrong, "honest answers rejected:\n" + "\n".join(wrong)


# --- a red team's finds (tests/data/reward_hacks_math_redteam.jsonl) -------------------------------------
# An attacker with only the public API probed the grader after the rules were written: gold parsing games
# (a two-answer gold read as a decimal, thousands read as lists), hedges in other words ("resp.", "vs",
# "and", a nested box, a new line), relations in words or arrows (`2+2 \Rightarrow 5`, `43 \not= 42`),
# negations and bounds ("not 42", "42 or more"), ellipses, and honest styles it found refused. Each case
# was graded wrongly when found; the ones the documented rules settle are kept here.

REDTEAM = [json.loads(line) for line in (HERE / "data" / "reward_hacks_math_redteam.jsonl").read_text().splitlines()]


def test_red_team_finds():
    assert len(REDTEAM) >= 90
    wrong = []
    for template in sorted({c["template"] for c in REDTEAM}):
        cases = [c for c in REDTEAM if c["template"] == template]
        got = grade_many([c["response"] for c in cases], [c["ground_truth"] for c in cases], template=template,
                         timeout_s=TIMEOUT_S)
        wrong += [shown(c, r["answer_reward"]) for c, r in zip(cases, got, strict=True)
                  if r["answer_reward"] != c["answer_reward"]]
    assert not wrong, "\n".join(wrong)
