"""TRL reward functions for code GRPO (MBPP), built on ``r1zero.sandbox.code_grader`` and its sandbox.

``code_rewards(limits, workers)`` returns them by name, running programs under those sandbox limits with that
many programs at once (train_trl.py passes ``code_timeout_s`` and ``code_workers``); ``step3_GRPO.train.registry``
chooses among them by name or by preset (``CODE_PRESETS``). Each has TRL's signature
``(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs)``: ``tests`` is the dataset's
tests column (the asserts of each row; step1 writes it for code datasets), ``test_setup`` its optional setup
code; ``answer`` (the reference code) is not used.
- ``code_tests``: the r1_zero format times the fraction of tests passed (partial credit);
- ``code_tests_strict``: the format times "every test passed" (1 or 0);
- ``code_format``: the r1_zero format alone; ``code_pass_fraction``: the fraction, format aside.
Presets: ``mbpp`` (``code_tests``) and ``mbpp_strict``, each logging the two others at weight 0.

The functions of one ``code_rewards()`` share one sandbox run per completion (the last few batches are cached).
A program that hangs, crashes or attacks the machine scores 0; the trainer goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from r1zero.core.errors import UserError
from r1zero.sandbox.code_grader import grade_code_many
from r1zero.sandbox.execute import Limits
from step3_GRPO.train.completions import batch_cache, completion_text, named

# name -> (its field of grade_code_many's result, what the reward is)
CODE_REWARDS: dict[str, tuple[str, str]] = {
    "code_tests": ("reward", "The r1_zero format times the fraction of the row's tests the answer's program passes."),
    "code_tests_strict": ("strict_reward", "The r1_zero format times 1 if the program passes every test, else 0."),
    "code_format": ("format_reward", "1 iff the completion has the r1_zero format (``</think> <answer>`` and "
                                     "``</answer>``)."),
    "code_pass_fraction": ("pass_fraction", "The fraction of tests passed, whatever the format."),
}
CODE_PRESETS: dict[str, dict[str, float]] = {
    "mbpp": {"code_tests": 1.0, "code_format": 0.0, "code_pass_fraction": 0.0},
    "mbpp_strict": {"code_tests_strict": 1.0, "code_format": 0.0, "code_pass_fraction": 0.0},
}


def _as_list(value) -> list[str]:
    return [str(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]


def code_rewards(limits: Limits | None = None, workers: int | None = None) -> dict[str, Callable]:
    """Every code reward by name, running programs under ``limits`` (default ``Limits()``) with ``workers`` at
    once (default: the sandbox's); one sandbox run per batch, cached in this call's functions only."""

    @batch_cache
    def grade(texts: tuple[str, ...], tests: tuple[tuple[str, ...], ...], setups: tuple[str, ...]) -> list[dict]:
        return grade_code_many(list(texts), list(tests), setups=list(setups), workers=workers, limits=limits)

    def graded(completions, tests, test_setup) -> list[dict]:
        if tests is None:
            raise UserError("the code rewards need a `tests` column in the training dataset (prepare a code "
                            "dataset with step1_data, e.g. --dataset mbpp)")
        texts = tuple(completion_text(c) for c in completions)
        setups = ("",) * len(texts) if test_setup is None else tuple("" if s is None else str(s) for s in test_setup)
        return grade(texts, tuple(tuple(_as_list(t)) for t in tests), setups)

    def reads(name: str, key: str, doc: str) -> Callable:
        def reward(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs) -> list[float]:
            return [r[key] for r in graded(completions, tests, test_setup)]

        return named(name, reward, doc)

    return {name: reads(name, key, doc) for name, (key, doc) in CODE_REWARDS.items()}
