"""TRL reward functions for code GRPO (MBPP), built on ``r1zero.sandbox.code_grader`` and its sandbox.

Each has TRL's signature ``(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs)``:
``tests`` is the dataset's tests column (the asserts of each row; step1 writes it for code datasets),
``test_setup`` its optional setup code; ``answer`` (the reference code) is not used. They are registered
by name in ``rewards_math``'s registry (``REWARD_FUNCS`` / ``REWARD_PRESETS``):
- ``code_tests``: the r1_zero format times the fraction of tests passed (partial credit);
- ``code_tests_strict``: the format times "every test passed" (1 or 0);
- ``code_format``: the r1_zero format alone; ``code_pass_fraction``: the fraction, format aside.
Presets: ``mbpp`` (``code_tests``) and ``mbpp_strict``, each logging the two others at weight 0.

The components of one step share one sandbox run per completion (the last few batches are cached).
Programs run under ``r1zero.sandbox.execute.Limits()`` and its default workers unless ``configure`` says otherwise
(train_trl.py passes ``code_timeout_s`` and ``code_workers``). A program that hangs, crashes or attacks the machine scores 0; the trainer goes on.
"""

from __future__ import annotations

from collections import OrderedDict

from r1zero.core.errors import UserError
from r1zero.sandbox.code_grader import grade_code_many
from r1zero.sandbox.execute import Limits
from step3_GRPO.train.completions import completion_text

_CACHE: OrderedDict[tuple, list[dict]] = OrderedDict()
_CACHE_SIZE = 4
_LIMITS, _WORKERS = Limits(), None


def configure(limits: Limits, workers: int | None = None) -> None:
    """Sandbox limits and programs at once for every later reward call (also empties the cache)."""
    global _LIMITS, _WORKERS
    _LIMITS, _WORKERS = limits, workers
    _CACHE.clear()


def _as_list(value) -> list[str]:
    return [str(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]


def _graded(completions, tests, test_setup) -> list[dict]:
    if tests is None:
        raise UserError("the code rewards need a `tests` column in the training dataset (prepare a code "
                        "dataset with step1_data, e.g. --dataset mbpp)")
    texts = [completion_text(c) for c in completions]
    tests = [tuple(_as_list(t)) for t in tests]
    setups = [""] * len(texts) if test_setup is None else ["" if s is None else str(s) for s in test_setup]
    key = (tuple(texts), tuple(tests), tuple(setups))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    results = grade_code_many(texts, tests, setups=setups, workers=_WORKERS, limits=_LIMITS)
    _CACHE[key] = results
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return results


def code_tests_reward(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs) -> list[float]:
    """The r1_zero format times the fraction of the row's tests the answer's program passes."""
    return [r["reward"] for r in _graded(completions, tests, test_setup)]


def code_tests_strict_reward(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs) -> list[float]:
    """The r1_zero format times 1 if the program passes every test, else 0."""
    return [r["strict_reward"] for r in _graded(completions, tests, test_setup)]


def code_format_reward(prompts, completions, answer=None, tests=None, test_setup=None, **kwargs) -> list[float]:
    """1 iff the completion has the r1_zero format (``</think> <answer>`` and ``</answer>``)."""
    return [r["format_reward"] for r in _graded(completions, tests, test_setup)]


def code_pass_fraction_reward(prompts, completions, answer=None, tests=None, test_setup=None,
                              **kwargs) -> list[float]:
    """The fraction of tests passed, whatever the format."""
    return [r["pass_fraction"] for r in _graded(completions, tests, test_setup)]


CODE_FUNCS = {
    "code_tests": code_tests_reward,
    "code_tests_strict": code_tests_strict_reward,
    "code_format": code_format_reward,
    "code_pass_fraction": code_pass_fraction_reward,
}
CODE_PRESETS = {
    "mbpp": {"code_tests": 1.0, "code_format": 0.0, "code_pass_fraction": 0.0},
    "mbpp_strict": {"code_tests_strict": 1.0, "code_format": 0.0, "code_pass_fraction": 0.0},
}
