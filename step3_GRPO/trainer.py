"""TRL's GRPOTrainer with what our runs add: the eval's stop rule for rollouts, more log fields, and the
reasoning vocabulary.

- Rollouts stop where eval stops (the template's stop strings, ``</answer>`` for r1_zero), so the policy is
  trained on exactly the tokens an eval would generate. With vLLM the stop goes into its SamplingParams
  (``rollout_generation_kwargs``, passed as GRPOConfig's public ``generation_kwargs``). transformers'
  ``generate`` can only stop at a string when it is given the tokenizer, which TRL does not pass it, so
  ``_generate_single_turn`` (TRL's generation step, overridden for this alone) cuts each completion's
  tokens right after the stop string.
- ``log`` (the Trainer's public logging hook) adds the in-training eval's metrics and GPU memory
  (``gpu/peak_allocated_gb``, ``gpu/used_gb``) to each log line. TRL keeps the completions itself
  (``log_completions``: ``completions/completions_<step>.parquet`` and a W&B table per logging step).
- A policy with a reasoning vocabulary (``r1zero.training.reasoning_vocab``; transformers rollouts only) samples under its
  rule, and its completions are read as text through it. TRL passes no logits processor to ``generate`` and
  transformers refuses one inside a ``GenerationConfig``, so ``_generate_single_turn`` then runs the
  ``generate`` call itself, as TRL's plain path does (left padding, the model unwrapped for generation, TRL's
  ``generation_config``, ids after the first EOS dropped). TRL decodes completions with the tokenizer, which has
  no text for ids >= V, so ``_generate`` (TRL's rollout step, overridden for this alone) replaces the decoded
  completions, which the rewards grade and the logs show, with the mapped text. Without a reasoning vocabulary
  both overrides return TRL's own results untouched.
"""

from __future__ import annotations

import logging

from trl import GRPOTrainer

from r1zero.evaluation.engines import stop_length

logger = logging.getLogger("step3_GRPO")


def gpu_memory_logs() -> dict[str, float]:
    """Peak memory PyTorch allocated (training + vLLM's tensors in colocate) and the device's used memory, GiB."""
    import torch

    if not torch.cuda.is_available():
        return {}
    free, total = torch.cuda.mem_get_info()
    return {"gpu/peak_allocated_gb": torch.cuda.max_memory_allocated() / 1024**3,
            "gpu/used_gb": (total - free) / 1024**3}


def rollout_generation_kwargs(stop: tuple[str, ...], user_kwargs: dict | None, stop_token_ids=()) -> dict:
    """GRPOConfig.generation_kwargs for vLLM rollouts: stop at ``stop``, keeping it in the completion, and at
    ``stop_token_ids`` (a chat turn's end)."""
    out = {**(user_kwargs or {}), "stop": list(stop), "include_stop_str_in_output": True}
    if stop_token_ids:
        out["stop_token_ids"] = sorted({*out.get("stop_token_ids", ()), *stop_token_ids})
    return out


class R1ZeroGRPOTrainer(GRPOTrainer):
    def __init__(self, *args, stop: tuple[str, ...] = (), stop_token_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop
        # A chat turn ends at its end-of-turn token (<|im_end|>), which a model's generation config may not list:
        # TRL's rollouts and its completion mask then end there too.
        missing = [t for t in stop_token_ids if t not in self.eos_token_ids]
        if missing:
            self.eos_token_ids = [*self.eos_token_ids, *missing]
            if not self.use_vllm:
                self.generation_config.eos_token_id = list(self.eos_token_ids)
        self.pending_logs: dict[str, float] = {}
        from r1zero.training.reasoning_vocab import ReasoningVocab

        self.reasoning = ReasoningVocab.of(self.model.config, self.processing_class)  # None: no reasoning vocab
        self.decode = self.reasoning.decode if self.reasoning else self.processing_class.decode

    def _generate_single_turn(self, *args, **kwargs):
        if self.reasoning is not None:
            completion_ids, logprobs = self.generate_in_reasoning_vocab(*args, **kwargs), None
        else:
            completion_ids, logprobs = super()._generate_single_turn(*args, **kwargs)
        if self.use_vllm or not self.stop:
            return completion_ids, logprobs  # vLLM stopped by itself
        lengths = [stop_length(self.decode, ids, self.stop) for ids in completion_ids]
        completion_ids = [ids[:n] for ids, n in zip(completion_ids, lengths, strict=True)]
        if logprobs is not None:
            logprobs = [lp[:n] for lp, n in zip(logprobs, lengths, strict=True)]
        return completion_ids, logprobs

    def generate_in_reasoning_vocab(self, prompt_ids: list[list[int]], *_multimodal, **_kwargs) -> list[list[int]]:
        """Completion ids for ``prompt_ids`` sampled under the reasoning vocabulary's rule (text prompts only)."""
        import torch
        from trl.models.utils import unwrap_model_for_generation
        from trl.trainer.utils import pad

        prompts = [torch.tensor(ids) for ids in prompt_ids]
        device = self.accelerator.device
        input_ids = pad(prompts, padding_value=self.processing_class.pad_token_id, padding_side="left").to(device)
        mask = pad([torch.ones_like(p) for p in prompts], padding_value=0, padding_side="left").to(device)
        extra = self.reasoning.generate_kwargs(input_ids.shape[1], set(self.eos_token_ids), self.stop)
        with (unwrap_model_for_generation(self.model_wrapped, self.accelerator,
                                          gather_deepspeed3_params=self.args.ds3_gather_for_generation,
                                          generation_kwargs=self.generation_kwargs,
                                          gradient_checkpointing_kwargs=self.args.gradient_checkpointing_kwargs)
              as model, torch.no_grad()):
            out = model.generate(input_ids=input_ids, attention_mask=mask, generation_config=self.generation_config,
                                 **extra)
        completions = out[:, input_ids.shape[1]:].tolist()
        ends = set(self.eos_token_ids)
        return [ids[:next((i + 1 for i, t in enumerate(ids) if t in ends), len(ids))] for ids in completions]

    def _generate(self, prompts):
        out = super()._generate(prompts)
        if self.reasoning is None:
            return out
        prompt_ids, completion_ids, tool_mask, _tokenizer_text, *rest = out  # TRL 1.16's order
        return (prompt_ids, completion_ids, tool_mask, [self.reasoning.decode(ids) for ids in completion_ids], *rest)

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if self.pending_logs:
            logs.update(self.pending_logs)
            self.pending_logs = {}
        logs.update(gpu_memory_logs())
        super().log(logs, start_time)
