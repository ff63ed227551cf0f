"""TRL reward functions for math GRPO, built on ``r1zero.grading.grader``.

``math_rewards()`` returns every math reward by name, ready for GRPOTrainer; ``step3_GRPO.train.registry``
chooses among them (and the code rewards) by name or by preset (``MATH_PRESETS``). Every function has TRL's
signature ``(prompts, completions, answer, **kwargs) -> list[float]``: ``answer`` is the dataset's answer
column (a string, a number or a list of accepted answers per row), and ``completions`` are strings or
conversational message lists (TRL passes either). Each function's ``__name__`` is its name, so TRL logs
``rewards/<name>/mean`` per component.

- ``r1_zero`` (format and answer, the CS336 / Dr. GRPO reward), ``r1_zero_format``, ``r1_zero_answer``.
- GRAIL components (the seeds' GSM8K and MATH scripts), each in [0, 1]:
  ``grail_correctness`` (our grader, not GRAIL's exact match), ``grail_gsm8k_strict_format`` (answer
  is only a number and nothing follows ``</answer>``), ``grail_thinking`` (reasoning closed by
  ``</think>``), ``grail_answer_tags`` (an ``<answer>...</answer>`` block), ``grail_no_trailing``
  (1 with nothing after ``</answer>``, falling linearly to 0 at 200 characters, GRAIL's 0.2 - 0.001 per
  character rescaled), ``grail_math_answer_format`` (non-empty answer and under 50 trailing characters).
- ``monitor_*``: the reward-hacking monitor's signals (``r1zero.grading.SIGNALS``), logged at weight 0.

Grading is batched: one ``grade_many`` call per TRL call, and the functions of one ``math_rewards()`` share
it (the last few batches are cached), so a preset with five components grades each completion once. The
grader's process pool is created once, reused across steps and shut down at exit (see ``r1zero.grading.grader``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from r1zero.core.errors import UserError
from r1zero.core.prompts import ANSWER_CLOSE, ANSWER_OPEN, THINK_CLOSE, THINK_OPEN, answer_block
from r1zero.grading import SIGNALS
from r1zero.grading.grader import gold_answers, grade_many
from step3_GRPO.train.completions import batch_cache, completion_text, named

GSM8K_NUMERIC_ONLY = re.compile(r"[-+]?[\d.,]+")
TRAILING_ZERO_AT = 200  # GRAIL: 0.2 - 0.001 per trailing character, i.e. zero at 200 characters
MATH_MAX_TRAILING = 50


# --- rules on one completion's text (GRAIL's format terms) ----------------------------------------------


def _answer_and_trailing(text: str) -> tuple[str | None, str]:
    """(the answer block's text, the text after its ``</answer>``), or (None, "") without a block."""
    inside = answer_block(text)
    if inside is None:
        return None, ""
    end = text.rfind(ANSWER_OPEN) + len(ANSWER_OPEN) + len(inside) + len(ANSWER_CLOSE)
    return inside, text[end:]


def _strict_numeric(text: str) -> float:
    """1 iff the answer block holds only a number (digits, sign, ``.`` ``,``) and nothing follows it."""
    inside, trailing = _answer_and_trailing(text)
    return float(
        inside is not None
        and GSM8K_NUMERIC_ONLY.fullmatch(inside.replace(" ", "").strip()) is not None
        and not trailing.strip()
    )


def _has_thinking(text: str) -> float:
    """1 iff non-empty reasoning is closed by ``</think>``."""
    # The prompt ends with "<think>", so the completion holds the reasoning and then "</think>".
    end = text.find(THINK_CLOSE)
    if end < 0:
        return 0.0
    reasoning = text[:end]
    start = reasoning.rfind(THINK_OPEN)
    return float(bool(reasoning[start + len(THINK_OPEN) if start >= 0 else 0 :].strip()))


def _has_answer_tags(text: str) -> float:
    """1 iff there is an ``<answer>...</answer>`` block."""
    return float(answer_block(text) is not None)


def _no_trailing(text: str) -> float:
    """1 with no text after ``</answer>``, falling linearly to 0 at 200 characters; 0 with no answer."""
    inside, trailing = _answer_and_trailing(text)
    if inside is None:
        return 0.0
    return max(0.0, 1.0 - len(trailing.strip()) / TRAILING_ZERO_AT)


def _math_answer_format(text: str) -> float:
    """1 iff the answer block is non-empty and fewer than 50 characters follow ``</answer>``."""
    inside, trailing = _answer_and_trailing(text)
    return float(inside is not None and bool(inside.strip()) and len(trailing.strip()) < MATH_MAX_TRAILING)


# --- the rewards by name --------------------------------------------------------------------------------

# Read from the grader's result: name -> (its field, what the reward is).
GRADED: dict[str, tuple[str, str]] = {
    "r1_zero": ("reward", "1 iff both the format and the answer are right (CS336's ``reward``)."),
    "r1_zero_format": ("format_reward", "1 iff the completion contains ``</think> <answer>`` and ``</answer>``."),
    "r1_zero_answer": ("answer_reward", "1 iff the last ``<answer>`` block (its last ``\\boxed{}`` if any) equals "
                                        "the gold answer."),
    "grail_correctness": ("answer_reward", "GRAIL's correctness term: the answer, graded by our grader."),
}
BY_TEXT: dict[str, Callable[[str], float]] = {
    "grail_gsm8k_strict_format": _strict_numeric,
    "grail_thinking": _has_thinking,
    "grail_answer_tags": _has_answer_tags,
    "grail_no_trailing": _no_trailing,
    "grail_math_answer_format": _math_answer_format,
}
# Logged at weight 0 beside every math reward set (the registry adds them): TRL logs each one's mean per step
# (rewards/monitor_several_answers/mean, ...), so a policy probing the grader shows before its reward lies.
MONITOR: dict[str, tuple[str, str]] = {
    f"monitor_{signal}": (signal, "Monitor (weight 0): " + ("the answer's length in characters" if signal ==
                          "answer_chars" else f"1 when {signal.replace('_', ' ')}") + " (r1zero.grading.SIGNALS).")
    for signal in SIGNALS
}

# Weight 0 components are still computed (from the shared grading) and logged by TRL.
MATH_PRESETS: dict[str, dict[str, float]] = {
    "r1_zero": {"r1_zero": 1.0, "r1_zero_format": 0.0, "r1_zero_answer": 0.0},
    "grail_gsm8k": {
        "grail_correctness": 0.6,
        "grail_gsm8k_strict_format": 0.15,
        "grail_thinking": 0.1,
        "grail_answer_tags": 0.1,
        "grail_no_trailing": 0.05,
    },
    "grail_math": {
        "grail_correctness": 0.7,
        "grail_math_answer_format": 0.15,
        "grail_thinking": 0.1,
        "grail_no_trailing": 0.05,
    },
}


def math_rewards(template: str = "r1_zero") -> dict[str, Callable]:
    """Every math reward by name, for completions that answer the prompt template ``template``
    (``r1zero.core.prompts``: it decides the format rule). The ones reading the grader share one grading per
    batch, cached in this call's functions only (no module state: each call makes a new set)."""

    @batch_cache
    def grade(texts: tuple[str, ...], golds: tuple[tuple[str, ...], ...]) -> list[dict]:
        return grade_many(list(texts), list(golds), template=template)

    def graded(completions, answer) -> list[dict]:
        if answer is None:
            raise UserError("the reward functions need an `answer` column in the training dataset")
        return grade(tuple(completion_text(c) for c in completions), tuple(gold_answers(a) for a in answer))

    def reads(name: str, key: str, doc: str) -> Callable:
        def reward(prompts, completions, answer=None, **kwargs) -> list[float]:
            return [float(r[key]) for r in graded(completions, answer)]

        return named(name, reward, doc)

    def by_text(name: str, rule: Callable[[str], float]) -> Callable:
        def reward(prompts, completions, answer=None, **kwargs) -> list[float]:
            return [float(rule(completion_text(c))) for c in completions]

        return named(name, reward, rule.__doc__)

    funcs = {name: reads(name, key, doc) for name, (key, doc) in GRADED.items()}
    funcs.update({name: by_text(name, rule) for name, rule in BY_TEXT.items()})
    funcs.update({name: reads(name, key, doc) for name, (key, doc) in MONITOR.items()})
    return funcs


# For TRL's own grpo script, which loads a reward by dotted path (bench/gpu_check.py compares against it).
r1_zero_reward = math_rewards()["r1_zero"]
