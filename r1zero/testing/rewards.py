"""Rewards for tests and probes only."""

from __future__ import annotations


def digit_count(prompts, completions, answer=None, **kwargs) -> list[float]:
    """A reward with spread even for a random model (the r1_zero ones are all 0 there), so steps have gradients.

    Probe runs and tests pass it to train_trl's ``main(argv, extra_rewards=[digit_count])`` and choose it with
    ``--reward_funcs digit_count``."""
    return [float(sum(ch.isdigit() for ch in c)) for c in completions]
