"""What the engines share: sampling settings, samples, options, seeds and stop handling."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from r1zero.core.prompts import get_template

ENGINES = ("vllm", "hf")


@dataclass(frozen=True)
class Sampling:
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 1024
    seed: int = 42
    stop: tuple[str, ...] = ()  # strings that end a sample, kept in its text
    stop_tokens: tuple[str, ...] = ()  # special tokens that end a sample where the tokenizer has them

    @classmethod
    def for_template(cls, template: str, **settings) -> Sampling:
        """Sampling with ``template``'s stop rule (``r1zero.core.prompts``, the one place it is defined)."""
        tpl = get_template(template)
        return cls(stop=tpl.stop, stop_tokens=tpl.stop_tokens, **settings)


@dataclass
class Sample:
    text: str
    tokens: int
    finish_reason: str  # stop | eos | length
    token_ids: list[int] | None = field(default=None, repr=False)  # the generated ids through the stop (hf)


@dataclass
class EngineOptions:
    dtype: str = "auto"
    batch_size: int = 16  # hf: prompts per generate call
    gpu_memory_utilization: float = 0.85
    tensor_parallel_size: int = 1
    max_model_len: int | None = None
    enforce_eager: bool | None = None  # None: eager on CPU only
    reasoning_vocab_size: int | None = None  # hf: expand a model without one (None: the checkpoint's own)
    extra: dict = field(default_factory=dict)


def request_seed(seed: int, index: int) -> int:
    """A seed for problem ``index`` of a run seeded with ``seed``; far apart so vLLM's seed+i children never collide."""
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x3FFFFFFF


def stop_token_ids(tokenizer, sampling: Sampling) -> set[int]:
    """Ids of the template's stop tokens this tokenizer has (``<|im_end|>`` ends a ChatML turn)."""
    if not sampling.stop_tokens:
        return set()
    vocab = tokenizer.get_vocab()
    return {vocab[t] for t in sampling.stop_tokens if t in vocab}


def cut_at_stop(text: str, stops) -> tuple[str, bool]:
    """Keep ``text`` up to and including the first stop string; say whether one was found."""
    best = None
    for stop in stops:
        at = text.find(stop)
        if at >= 0 and (best is None or at + len(stop) < best):
            best = at + len(stop)
    return (text, False) if best is None else (text[:best], True)


def stop_length(decode, ids: list[int], stops) -> int:
    """How many of ``ids`` to keep so that the text ends with the first stop string (all of them if none):
    the shortest prefix whose text (``decode(ids)``) holds a stop string."""
    if not stops or not any(stop in decode(ids) for stop in stops):
        return len(ids)
    low, high = 1, len(ids)  # the smallest k with a stop string in decode(ids[:k]) (the test only grows with k)
    while low < high:
        mid = (low + high) // 2
        if any(stop in decode(ids[:mid]) for stop in stops):
            high = mid
        else:
            low = mid + 1
    return low
