"""Reward functions by name for GRPOTrainer: the math rewards, TRL's own, the code rewards and the caller's.

``reward_funcs(names, weights, *, code_limits, code_workers, extra)`` returns GRPOTrainer's ``reward_funcs``
and GRPOConfig's ``reward_weights``, built for this call with these settings (open-r1's ``get_reward_funcs``
pattern): no module holds reward settings, and nobody edits a module's table. ``names`` are reward names, or
exactly one preset name (``PRESETS``). A caller adds rewards of its own by passing the functions in ``extra``;
they are then chosen by their ``__name__`` like the built-in ones (the probes' ``--reward_funcs digit_count``).
TRL's ``accuracy_reward`` and ``think_format_reward`` (``rewards_trl``) are chosen the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from r1zero.core.errors import UserError
from r1zero.core.prompts import get_template
from r1zero.sandbox.execute import Limits
from step3_GRPO.train.rewards_code import CODE_PRESETS, CODE_REWARDS, code_rewards
from step3_GRPO.train.rewards_math import BY_TEXT, MATH_PRESETS, MONITOR, math_rewards
from step3_GRPO.train.rewards_trl import trl_rewards

PRESETS: dict[str, dict[str, float]] = {**MATH_PRESETS, **CODE_PRESETS}


def available(*, code_limits: Limits | None = None, code_workers: int | None = None,
              extra: Sequence[Callable] = (), template: str = "r1_zero") -> dict[str, Callable]:
    """Every reward by name: the math ones (for completions answering ``template``), TRL's, the code ones under
    these sandbox settings, then ``extra``."""
    funcs = {**math_rewards(template), **trl_rewards(), **code_rewards(code_limits, code_workers)}
    taken = [f.__name__ for f in extra if f.__name__ in funcs or f.__name__ in PRESETS]
    if taken:
        raise ValueError(f"extra reward function(s) {', '.join(taken)} would hide a built-in reward or preset")
    return funcs | {f.__name__: f for f in extra}


def reward_funcs(names: str | Sequence[str], weights: Sequence[float] | None = None, *,
                 code_limits: Limits | None = None, code_workers: int | None = None,
                 extra: Sequence[Callable] = (), template: str = "r1_zero") -> tuple[list[Callable], list[float]]:
    """Reward functions and weights for GRPOTrainer's ``reward_funcs`` / ``reward_weights``.

    ``names`` is either reward names (weights default to 1 each) or exactly one preset name, which expands to
    its components and weights (``weights``, if given, then override the preset's, in order). A name that is
    both (``r1_zero``) means the preset. A math reward set also gets the reward-hacking monitor's functions
    (``rewards_math.MONITOR``) at weight 0, so TRL logs them every step.
    """
    funcs = available(code_limits=code_limits, code_workers=code_workers, extra=extra, template=template)
    choices = f"functions: {', '.join(funcs)}; presets: {', '.join(PRESETS)}"
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise UserError(f"no reward functions given; choose from {choices}")
    if len(names) == 1 and names[0] in PRESETS:
        preset = PRESETS[names[0]]
        names, default = list(preset), list(preset.values())
    else:
        unknown = [n for n in names if n not in funcs]
        if unknown:
            hint = " (a preset must be the only name)" if any(n in PRESETS for n in unknown) else ""
            raise UserError(f"unknown reward name(s) {', '.join(unknown)}{hint}; choose from {choices}")
        default = [1.0] * len(names)
    tag_rules = [n for n in names if n in BY_TEXT]  # GRAIL's format terms read <think> and <answer> tags
    if tag_rules and get_template(template).answer_rule != "r1_zero":
        raise UserError(f"{', '.join(tag_rules)} read the r1_zero tags (<think>, <answer>), which answers under the "
                        f"{template} template do not have (they would pay tags beside the real answer); use "
                        "--answer_rule r1_zero, or rewards that read this template's answers (r1_zero)")
    weights = [float(w) for w in (default if weights is None else weights)]
    if len(weights) != len(names):
        raise UserError(
            f"got {len(weights)} reward weight(s) for {len(names)} reward function(s) ({', '.join(names)})"
        )
    if any(n not in CODE_REWARDS for n in names):  # math: the monitor rides along at weight 0
        missing = [m for m in MONITOR if m not in names]
        names, weights = names + missing, weights + [0.0] * len(missing)
    return [funcs[n] for n in names], weights
