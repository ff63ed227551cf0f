"""TRL reward functions for math GRPO, built on ``r1zero.grading.grader``.

Every function has TRL's signature ``(prompts, completions, answer, **kwargs) -> list[float]``: ``answer``
is the dataset's answer column (a string, a number or a list of accepted answers per row), and
``completions`` are strings or conversational message lists (TRL passes either).

Choose rewards by name (``REWARD_FUNCS``) or by preset (``REWARD_PRESETS``) with ``resolve_rewards``;
each function's ``__name__`` is its registry name, so TRL logs ``rewards/<name>/mean`` per component.
The registry also holds the code rewards of ``rewards_code`` (``code_tests``..., presets ``mbpp`` and
``mbpp_strict``), which read the dataset's ``tests`` column instead of ``answer``.

- ``r1_zero`` (format and answer, the CS336 / Dr. GRPO reward), ``r1_zero_format``, ``r1_zero_answer``.
- GRAIL components (the seeds' GSM8K and MATH scripts), each in [0, 1]:
  ``grail_correctness`` (our grader, not GRAIL's exact match), ``grail_gsm8k_strict_format`` (answer
  is only a number and nothing follows ``</answer>``), ``grail_thinking`` (reasoning closed by
  ``</think>``), ``grail_answer_tags`` (an ``<answer>...</answer>`` block), ``grail_no_trailing``
  (1 with nothing after ``</answer>``, falling linearly to 0 at 200 characters, GRAIL's 0.2 - 0.001 per
  character rescaled), ``grail_math_answer_format`` (non-empty answer and under 50 trailing characters).

Grading is batched: one ``grade_many`` call per TRL call, and the components of one step share it (the
last few batches are cached), so a preset with five components grades each completion once. The grader's
process pool is created once, reused across steps and shut down at exit (see ``r1zero.grading.grader``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence

from r1zero.core.errors import UserError
from r1zero.core.prompts import ANSWER_CLOSE, ANSWER_OPEN
from r1zero.grading import SIGNALS
from r1zero.grading.grader import gold_answers, grade_many
from step3_GRPO.train import rewards_code
from step3_GRPO.train.completions import completion_text

THINK_CLOSE = "</think>"
GSM8K_NUMERIC_ONLY = re.compile(r"[-+]?[\d.,]+")
TRAILING_ZERO_AT = 200  # GRAIL: 0.2 - 0.001 per trailing character, i.e. zero at 200 characters
MATH_MAX_TRAILING = 50

# Grading several reward components of the same step must not grade the batch several times.
_CACHE: OrderedDict[tuple, list[dict]] = OrderedDict()
_CACHE_SIZE = 4


def _graded(completions, answer) -> list[dict]:
    if answer is None:
        raise UserError("the reward functions need an `answer` column in the training dataset")
    texts = [completion_text(c) for c in completions]
    golds = [gold_answers(a) for a in answer]
    key = (tuple(texts), tuple(golds))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    results = grade_many(texts, golds)
    _CACHE[key] = results
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return results


def _answer_block(text: str) -> tuple[str | None, str]:
    """(text inside the last <answer>...</answer>, text after its </answer>), or (None, "")."""
    start = text.rfind(ANSWER_OPEN)
    if start < 0:
        return None, ""
    end = text.find(ANSWER_CLOSE, start)
    if end < 0:
        return None, ""
    return text[start + len(ANSWER_OPEN) : end], text[end + len(ANSWER_CLOSE) :]


def _has_thinking(text: str) -> bool:
    # The prompt ends with "<think>", so the completion holds the reasoning and then "</think>".
    end = text.find(THINK_CLOSE)
    if end < 0:
        return False
    reasoning = text[:end]
    start = reasoning.rfind("<think>")
    return bool(reasoning[start + len("<think>") if start >= 0 else 0 :].strip())


def _per_text(fn: Callable[[str], float]) -> Callable[[list], list[float]]:
    def reward(completions) -> list[float]:
        return [float(fn(completion_text(c))) for c in completions]

    return reward


# --- r1_zero ------------------------------------------------------------------------------------------


def r1_zero_format_reward(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff the completion contains ``</think> <answer>`` and ``</answer>`` (the r1_zero format)."""
    return [r["format_reward"] for r in _graded(completions, answer)]


def r1_zero_answer_reward(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff the last ``<answer>`` block (its last ``\\boxed{}`` if any) equals the gold answer."""
    return [r["answer_reward"] for r in _graded(completions, answer)]


def r1_zero_reward(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff both the format and the answer are right (CS336's ``reward``)."""
    return [r["reward"] for r in _graded(completions, answer)]


# --- GRAIL components ---------------------------------------------------------------------------------


def _strict_numeric(text: str) -> float:
    inside, trailing = _answer_block(text)
    return float(
        inside is not None
        and GSM8K_NUMERIC_ONLY.fullmatch(inside.replace(" ", "").strip()) is not None
        and not trailing.strip()
    )


def _no_trailing(text: str) -> float:
    inside, trailing = _answer_block(text)
    if inside is None:
        return 0.0
    return max(0.0, 1.0 - len(trailing.strip()) / TRAILING_ZERO_AT)


def _math_answer_format(text: str) -> float:
    inside, trailing = _answer_block(text)
    return float(inside is not None and bool(inside.strip()) and len(trailing.strip()) < MATH_MAX_TRAILING)


def grail_gsm8k_strict_format(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff the answer block holds only a number (digits, sign, ``.`` ``,``) and nothing follows it."""
    return _per_text(_strict_numeric)(completions)


def grail_thinking(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff non-empty reasoning is closed by ``</think>``."""
    return _per_text(_has_thinking)(completions)


def grail_answer_tags(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff there is an ``<answer>...</answer>`` block."""
    return _per_text(lambda t: _answer_block(t)[0] is not None)(completions)


def grail_no_trailing(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 with no text after ``</answer>``, falling linearly to 0 at 200 characters; 0 with no answer."""
    return _per_text(_no_trailing)(completions)


def grail_math_answer_format(prompts, completions, answer=None, **kwargs) -> list[float]:
    """1 iff the answer block is non-empty and fewer than 50 characters follow ``</answer>``."""
    return _per_text(_math_answer_format)(completions)


# --- the reward-hacking monitor ---------------------------------------------------------------------------


def _monitor(signal: str) -> Callable:
    def reward(prompts, completions, answer=None, **kwargs) -> list[float]:
        return [float(r[signal]) for r in _graded(completions, answer)]

    what = "the answer's length in characters" if signal == "answer_chars" else f"1 when {signal.replace('_', ' ')}"
    reward.__doc__ = f"Monitor (weight 0): {what} (r1zero.grading.SIGNALS)."
    return reward


# Logged at weight 0 beside every math reward set (resolve_rewards adds them): TRL logs each one's mean per
# step (rewards/monitor_several_answers/mean, ...), so a policy probing the grader shows before its reward lies.
MONITOR_FUNCS = {f"monitor_{signal}": _monitor(signal) for signal in SIGNALS}

# --- registry -----------------------------------------------------------------------------------------

_FUNCS = {
    "r1_zero": r1_zero_reward,
    "r1_zero_format": r1_zero_format_reward,
    "r1_zero_answer": r1_zero_answer_reward,
    "grail_correctness": r1_zero_answer_reward,  # GRAIL's correctness term: the answer, graded by our grader
    "grail_gsm8k_strict_format": grail_gsm8k_strict_format,
    "grail_thinking": grail_thinking,
    "grail_answer_tags": grail_answer_tags,
    "grail_no_trailing": grail_no_trailing,
    "grail_math_answer_format": grail_math_answer_format,
    **MONITOR_FUNCS,
    **rewards_code.CODE_FUNCS,  # code datasets (MBPP): rewards_code.py
}


def _named(name: str, fn: Callable) -> Callable:
    """A copy of ``fn`` whose ``__name__`` is its registry name (TRL logs rewards by ``__name__``)."""

    def reward(prompts, completions, answer=None, **kwargs):
        return fn(prompts, completions, answer, **kwargs)

    reward.__name__ = reward.__qualname__ = name
    reward.__doc__ = fn.__doc__
    return reward


REWARD_FUNCS: dict[str, Callable] = {name: _named(name, fn) for name, fn in _FUNCS.items()}

# Weight 0 components are still computed (from the shared grading cache) and logged by TRL.
REWARD_PRESETS: dict[str, dict[str, float]] = {
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
    **rewards_code.CODE_PRESETS,
}


def resolve_rewards(
    names: Sequence[str], weights: Sequence[float] | None = None
) -> tuple[list[Callable], list[float]]:
    """Reward functions and weights for GRPOTrainer's ``reward_funcs`` / ``reward_weights``.

    ``names`` is either registry names (weights default to 1 each) or exactly one preset name, which
    expands to its components and weights (``weights``, if given, then override the preset's, in order).
    A name that is both (``r1_zero``) means the preset. A math reward set also gets the reward-hacking
    monitor's functions (``MONITOR_FUNCS``) at weight 0, so TRL logs them every step.
    """
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise UserError(f"no reward functions given; choose from {_choices()}")
    if len(names) == 1 and names[0] in REWARD_PRESETS:
        preset = REWARD_PRESETS[names[0]]
        names, default = list(preset), list(preset.values())
    else:
        unknown = [n for n in names if n not in REWARD_FUNCS]
        if unknown:
            hint = " (a preset must be the only name)" if any(n in REWARD_PRESETS for n in unknown) else ""
            raise UserError(f"unknown reward name(s) {', '.join(unknown)}{hint}; choose from {_choices()}")
        default = [1.0] * len(names)
    if weights is None:
        weights = default
    weights = [float(w) for w in weights]
    if len(weights) != len(names):
        raise UserError(
            f"got {len(weights)} reward weight(s) for {len(names)} reward function(s) ({', '.join(names)})"
        )
    if any(n not in rewards_code.CODE_FUNCS for n in names):  # math: the monitor rides along at weight 0
        missing = [m for m in MONITOR_FUNCS if m not in names]
        names, weights = names + missing, weights + [0.0] * len(missing)
    return [REWARD_FUNCS[n] for n in names], weights


def _choices() -> str:
    return f"functions: {', '.join(REWARD_FUNCS)}; presets: {', '.join(REWARD_PRESETS)}"
