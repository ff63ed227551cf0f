"""TRL's own rewards by name (step3_GRPO/train/rewards_trl.py): registry, both completion shapes, weights, the
gold adapter, and that TRL's accuracy_reward runs in the grader's guarded workers (attacker tests)."""

import os
import random

import pytest

from r1zero.grading import grader as grading
from r1zero.grading import trl_accuracy_many
from step3_GRPO.train.registry import available, reward_funcs
from step3_GRPO.train.rewards_math import MONITOR

PROMPT = "... Assistant: <think>"  # the r1_zero prompt ends by opening the think block
BOXED = "Half of ten. </think> <answer> \\boxed{5} </answer>"
PLAIN = "Half of ten. </think> <answer> 5 </answer>"
WRONG = "Guess. </think> <answer> \\boxed{6} </answer>"
FUNCS = available()


def _chat(text):
    return [{"role": "assistant", "content": text}]


def test_chosen_by_name_beside_ours_with_weights():
    funcs, weights = reward_funcs(["accuracy_reward", "think_format_reward"])
    assert [f.__name__ for f in funcs] == ["accuracy_reward", "think_format_reward", *MONITOR]
    assert weights == [1.0, 1.0] + [0.0] * len(MONITOR)
    funcs, weights = reward_funcs(["r1_zero_answer", "accuracy_reward"], [0.7, 0.3])
    assert [f.__name__ for f in funcs][:2] == ["r1_zero_answer", "accuracy_reward"] and weights[:2] == [0.7, 0.3]
    assert [f.__name__ for f in reward_funcs("r1_zero")[0]][:3] == ["r1_zero", "r1_zero_format", "r1_zero_answer"]


def test_accuracy_reward_strings_and_conversations():
    acc = FUNCS["accuracy_reward"]
    texts = [BOXED, PLAIN, WRONG, "</think> <answer> $\\frac{1}{2}$ </answer>"]
    golds = ["5", "5", "5", "0.5"]
    expected = [1.0, 0.0, 0.0, 1.0]  # TRL reads \boxed{} or $...$: a plain 5 in the tags earns nothing
    assert acc([PROMPT] * 4, texts, answer=golds) == expected
    assert acc([PROMPT] * 4, [_chat(t) for t in texts], answer=golds) == expected
    # the gold column: plain text, boxed, a list of accepted answers; None where math-verify reads no gold
    assert acc(None, [BOXED, BOXED, BOXED], answer=["\\boxed{5}", ["7", "5"], "5.0"]) == [1.0, 1.0, 1.0]
    assert acc(None, [BOXED], answer=["\\text{}"]) == [None]


def test_think_format_reward_takes_the_prompts_think_tag():
    fmt = FUNCS["think_format_reward"]
    texts = [PLAIN, "No tags at all, 5", "again <think> x </think> <answer> 5 </answer>", "<think> x </think> 5"]
    assert fmt([PROMPT] * 4, texts) == [1.0, 0.0, 0.0, 0.0]  # a second <think> fails TRL's rule
    assert fmt([PROMPT] * 4, [_chat(t) for t in texts]) == [1.0, 0.0, 0.0, 0.0]
    assert fmt(["chat prompt"] * 2, [PLAIN, "<think> x </think> 5"]) == [0.0, 1.0]  # the model opens it itself
    assert fmt([[{"role": "user", "content": "q"}]], [PLAIN]) == [0.0]  # a conversational prompt lends nothing


def test_weighted_sum_as_grpo_sees_it():
    funcs, weights = reward_funcs(["accuracy_reward", "think_format_reward"], [0.8, 0.2])
    totals = [0.0, 0.0]
    for fn, w in zip(funcs, weights, strict=True):
        values = fn(prompts=[PROMPT] * 2, completions=[BOXED, "5"], answer=["5", "5"])
        totals = [t + w * v for t, v in zip(totals, values, strict=True)]
    assert totals == pytest.approx([1.0, 0.0])


def test_accuracy_reward_needs_the_answer_column():
    from r1zero.core.errors import UserError

    with pytest.raises(UserError, match="answer"):
        FUNCS["accuracy_reward"]([PROMPT], [BOXED])


# --- security: TRL parses model text; it must do so in the guarded workers -------------------------------

SENTINEL_VAR, CANARY_VAR = "R1ZS", "R1ZC"


def _payloads() -> list[str]:
    touch = f"touch ${CANARY_VAR}/x"
    env = f"int(__import__('os').environ['{SENTINEL_VAR}'])"
    return [f"__import__('os').system('{touch}')", env, f"1*{env}",
            f"(lambda: __import__('subprocess').run('{touch}', shell=True))()",
            f"getattr(__import__('os'),'system')('{touch}')", f"eval(\"{env}\")"]


@pytest.fixture
def traps(tmp_path, monkeypatch):
    """(sentinel, canary folder) in the environment of a fresh grader pool's workers."""
    value = str(random.SystemRandom().randint(10**8, 10**9 - 1))
    monkeypatch.setenv(SENTINEL_VAR, value)
    monkeypatch.setenv(CANARY_VAR, str(tmp_path))
    grading.shutdown_pool()
    yield value, tmp_path
    grading.shutdown_pool()


def test_code_in_answers_or_golds_scores_zero_and_runs_nothing(traps):
    sentinel, canary = traps
    wrapped = [w.format(p=p) for p in _payloads() for w in ("{p}", "\\boxed{{{p}}}", "${p}$", "So it is {p}.")]
    texts = [f"Reasoning. </think> <answer> {a} </answer>" for a in wrapped]
    refused_before = len(grading.refused_events())
    as_answer = trl_accuracy_many(texts, [sentinel] * len(texts), workers=2)
    as_gold = trl_accuracy_many([f"\\boxed{{{sentinel}}}"] * len(wrapped), wrapped, workers=2)
    assert os.listdir(canary) == [], "a payload ran"
    assert as_answer == [0.0] * len(texts)
    assert set(as_gold) <= {0.0, None}  # None: math-verify read no gold in that text
    assert grading.refused_events()[refused_before:] == []  # nothing even tried to run code


def test_trl_runs_under_the_guard(traps, monkeypatch):
    """A gold that math-verify's default extraction hands to sympy's parse_expr (Python eval): in the workers
    the guard refuses it, logs it and scores 0. In-process, the same call would have eval'd the text."""
    from r1zero.grading import _pool

    monkeypatch.setattr(_pool, "_REFUSALS", [])  # this test's refusal stays out of the process's log
    refused_before = len(grading.refused_events())
    assert trl_accuracy_many(["\\boxed{0.5}"], ["1/2"]) == [1.0]  # as $1/2$: the LaTeX path, nothing refused
    assert grading.refused_events()[refused_before:] == []
    # a malformed gold whose tail math-verify hands to parse_expr, $...$ or not: in-process TRL reads "1+2" and
    # pays \boxed{3}; in the workers the guard refuses parse_expr's compile, logs it, and the answer scores 0
    assert trl_accuracy_many(["\\boxed{3}"], ["\\frac{ 1+2"]) == [0.0]
    refused = grading.refused_events()[refused_before:]
    assert len(refused) == 1 and refused[0]["refused"].startswith("compile"), refused


def test_a_stuck_trl_call_times_out():
    import time

    grading.start_pool(1)  # only the call is timed, not the workers' start-up
    start = time.monotonic()
    assert trl_accuracy_many(["\\boxed{9^{9^{9^{9}}}} " * 3], ["1"], workers=1, timeout_s=1.0) == [0.0]
    assert time.monotonic() - start < 1.0 + 3.0  # the hard limit, and room for a loaded machine


# --- bench/bench_trl_rewards.py: the agreement figures in docs/grader.md ---------------------------------


def test_agreement_bench_counts_hand_made_cases():
    from bench.bench_trl_rewards import Case, agreement, score

    cases = [Case("c", "boxed", "x </think> <answer> \\boxed{5} </answer>", "5"),  # both pay
             Case("c", "plain", "x </think> <answer> 5 </answer>", "5"),  # TRL reads no plain 5 as written
             Case("c", "hedge", "x </think> <answer> \\boxed{5}, i.e. 7 </answer>", "5"),  # only TRL pays
             Case("c", "untagged", "x </think> 5", "5"),  # TRL's format needs no answer tags, ours does
             Case("d", "unread", "x </think> <answer> \\boxed{5} </answer>", "\\text{}")]  # TRL: None
    scored = score(cases)
    verdicts = [(s["format"], s["answer"], s["trl_format"], s["trl_acc"], s["trl_acc_box"]) for s in scored]
    assert verdicts == [(1.0, 1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 0.0, 1.0), (1.0, 0.0, 1.0, 1.0, 1.0),
                        (0.0, 0.0, 1.0, 0.0, 0.0), (1.0, 0.0, 1.0, None, None)]
    rows = {(corpus, cat): counts for corpus, cat, counts in agreement(cases, scored)}
    assert rows[("c", "all")] == {"n": 4, "format": 3, "acc": 2, "skip": 0, "trl+": 1, "ours+": 1,
                                  "acc@box": 3, "trl+box": 1, "ours+box": 0}
    assert rows[("d", "unread")]["skip"] == 1 and rows[("d", "unread")]["acc"] == 1  # None pays nothing, as ours
    assert rows[("all", "all")]["n"] == 5 and rows[("all", "all")]["format"] == 4


def test_agreement_bench_runs_on_a_slice(capsys):
    from bench.bench_trl_rewards import CORPORA, main

    rows = main(["--limit", "2", "--examples", "1"])
    out = capsys.readouterr().out
    assert [r[:2] for r in rows[-len(CORPORA) - 1:]] == [(c, "all") for c in CORPORA] + [("all", "all")]
    assert rows[-1][2]["n"] == 2 * len(CORPORA) and "acc@box" in out.splitlines()[0]
