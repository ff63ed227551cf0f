"""TRL's GRPOTrainer with the two things our runs add: the eval's stop rule for rollouts, and more log fields.

- Rollouts stop where eval stops (the template's stop strings, ``</answer>`` for r1_zero), so the policy is
  trained on exactly the tokens an eval would generate. With vLLM the stop goes into its SamplingParams
  (``rollout_generation_kwargs``, passed as GRPOConfig's public ``generation_kwargs``). transformers'
  ``generate`` can only stop at a string when it is given the tokenizer, which TRL does not pass it, so
  ``_generate_single_turn`` (TRL's generation step, overridden for this alone) cuts each completion's
  tokens right after the stop string.
- ``log`` (the Trainer's public logging hook) adds the in-training eval's metrics and GPU memory
  (``gpu/peak_allocated_gb``, ``gpu/used_gb``) to each log line. TRL keeps the completions itself
  (``log_completions``: ``completions/completions_<step>.parquet`` and a W&B table per logging step).
"""

from __future__ import annotations

import logging

from trl import GRPOTrainer

from common.engines import stop_length

logger = logging.getLogger("step3_GRPO")


def gpu_memory_logs() -> dict[str, float]:
    """Peak memory PyTorch allocated (training + vLLM's tensors in colocate) and the device's used memory, GiB."""
    import torch

    if not torch.cuda.is_available():
        return {}
    free, total = torch.cuda.mem_get_info()
    return {"gpu/peak_allocated_gb": torch.cuda.max_memory_allocated() / 1024**3,
            "gpu/used_gb": (total - free) / 1024**3}


def rollout_generation_kwargs(stop: tuple[str, ...], user_kwargs: dict | None) -> dict:
    """GRPOConfig.generation_kwargs for vLLM rollouts: stop at ``stop``, keeping it in the completion."""
    return {**(user_kwargs or {}), "stop": list(stop), "include_stop_str_in_output": True}


class R1ZeroGRPOTrainer(GRPOTrainer):
    def __init__(self, *args, stop: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop
        self.pending_logs: dict[str, float] = {}

    def _generate_single_turn(self, *args, **kwargs):
        completion_ids, logprobs = super()._generate_single_turn(*args, **kwargs)
        if self.use_vllm or not self.stop:
            return completion_ids, logprobs  # vLLM stopped by itself
        lengths = [stop_length(self.processing_class, ids, self.stop) for ids in completion_ids]
        completion_ids = [ids[:n] for ids, n in zip(completion_ids, lengths, strict=True)]
        if logprobs is not None:
            logprobs = [lp[:n] for lp, n in zip(logprobs, lengths, strict=True)]
        return completion_ids, logprobs

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if self.pending_logs:
            logs.update(self.pending_logs)
            self.pending_logs = {}
        logs.update(gpu_memory_logs())
        super().log(logs, start_time)
