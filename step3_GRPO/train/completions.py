"""What the math and code reward factories share: a completion as plain text, one cache of graded batches,
and reward functions named as TRL logs them."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

# TRL calls every reward component of a step with the same batch; keeping a few batches lets the components
# (and the monitor) grade it once, whatever their number.
BATCHES_KEPT = 4


def completion_text(completion) -> str:
    """The generated text of one completion: a string, or a conversational list of messages, of which only the
    assistant's count (a user or system message is not something the policy said)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    parts = []
    for message in completion or []:
        if isinstance(message, dict) and message.get("role", "assistant") != "assistant":
            continue
        content = message.get("content", "") if isinstance(message, dict) else message
        if isinstance(content, list):  # multimodal-style content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        parts.append(str(content or ""))
    return "".join(parts)


def batch_cache(grade: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
    """``grade`` (whose arguments are tuples, one item per completion) remembered for the last few batches."""
    return lru_cache(maxsize=BATCHES_KEPT)(grade)


def named(name: str, reward: Callable, doc: str | None = None) -> Callable:
    """``reward`` under ``name``: TRL logs each reward function as ``rewards/<__name__>/mean``."""
    reward.__name__ = reward.__qualname__ = name
    if doc is not None:
        reward.__doc__ = doc
    return reward
