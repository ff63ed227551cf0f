"""The corpus being built (``Corpus``: ids, dedupe, the reasoning before the answer) and the distractors
that hedges and near misses use."""

from __future__ import annotations

import random

from .golds import fnum, value

REASONING = [
    "Let me work through the problem step by step.",
    "I set up the equations, simplify, and check the result.",
    "First I restate the problem, then I compute carefully.",
    "Working it out carefully and double-checking each step.",
    "I will solve this systematically.",
]


class Corpus:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.rows: list[dict] = []
        self.counts: dict[str, int] = {}
        self.seen: set[tuple[str, str]] = set()

    def add(self, category: str, kind: str, pred: str, gold: str, reward: int, why: str, reasoning=None):
        if reasoning is None:
            reasoning = self.rng.choice(REASONING)
        response = f"{reasoning} </think> <answer> {pred} </answer>"
        if (response, gold) in self.seen:
            return
        self.seen.add((response, gold))
        n = self.counts.get(category, 0) + 1
        self.counts[category] = n
        self.rows.append(
            {
                "id": f"{category}-{n:03d}-{kind}",
                "category": category,
                "response": response,
                "ground_truth": gold,
                "answer_reward": reward,
                "why": why,
            }
        )


def box(s: str) -> str:
    return "\\boxed{" + s + "}"


def int_distractor(g: str, rng: random.Random) -> str:
    v = int(g)
    options = [v + 1, v - 1, v + 2, v + 10, 2 * v, v - 3]
    return str(rng.choice([o for o in options if o != v]))


def other_gold(g: str, pool: list[str], rng: random.Random) -> str:
    """A different gold of the same shape whose value differs from g's by more than 1%."""
    gv = fnum(value(g)) if value(g) is not None else float(g)
    choices = []
    for d in pool:
        dv = fnum(value(d)) if value(d) is not None else float(d)
        if abs(dv - gv) > 1e-2 * max(abs(gv), abs(dv), 1e-9):
            choices.append(d)
    return rng.choice(choices)


def distractor(g: str, shape: str, P: dict, rng: random.Random) -> str:
    if shape == "int":
        return int_distractor(g, rng)
    return other_gold(g, P[shape], rng)
