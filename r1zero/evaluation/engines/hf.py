"""transformers engine: batched ``generate`` with left padding, stopping at the template's stop strings.

Sampling follows the same protocol as the vLLM engine: plain temperature / top-p sampling (greedy when
the temperature is 0), no top-k and no repetition penalty, whatever the model's generation_config says.
Each batch of problems is seeded from the run seed and its first problem's position, so a chunk
regenerates identically after a resume.

Step 4 loads a checkpoint with ``HFEngine.from_pretrained``; step 3's in-training eval wraps the live
policy with ``HFEngine(model, tokenizer, options)``, so both generate, stop and count tokens the same way.
A model with a reasoning vocabulary (``r1zero.training.reasoning_vocab``) samples under its rule and reads its ids as text
through it; ``options.reasoning_vocab_size`` expands a model that has none (or must match the one it has).
"""

from __future__ import annotations

from r1zero.core.errors import UserError
from r1zero.evaluation.engines.base import (
    EngineOptions,
    Sample,
    Sampling,
    cut_at_stop,
    request_seed,
    stop_token_ids,
)


class HFEngine:
    name = "hf"

    def __init__(self, model, tokenizer, options: EngineOptions):
        self.model, self.tokenizer, self.options = model, tokenizer, options
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.end_ids = self.eos_ids | {self.pad_id}
        from r1zero.training.reasoning_vocab import ReasoningVocab

        self.reasoning = ReasoningVocab.of(model.config, tokenizer)  # None: the model has no reasoning vocabulary

    @classmethod
    def from_pretrained(cls, model: str, options: EngineOptions) -> HFEngine:
        """Load ``model`` (a folder or a hub id) in ``options.dtype`` (auto: bf16 on GPU, fp32 on CPU)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from r1zero.training.reasoning_vocab import prepare, resolve_size, stored_size

        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = options.dtype if options.dtype != "auto" else "bfloat16" if device == "cuda" else "float32"
        try:
            tokenizer = AutoTokenizer.from_pretrained(model)
            loaded = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype),
                                                          use_safetensors=True)  # never a pickle
        except OSError as exc:
            raise UserError(f"cannot load model {model!r}: {str(exc).splitlines()[0]}") from None
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        prepare(loaded, resolve_size(stored_size(loaded.config), options.reasoning_vocab_size, model))
        return cls(loaded.to(device).eval(), tokenizer, options)

    def _generation_config(self, sampling: Sampling, ends: set[int]):
        from transformers import GenerationConfig

        greedy = sampling.temperature == 0
        return GenerationConfig(  # greedy: one sequence per prompt, copied n times (as vLLM returns)
            max_new_tokens=sampling.max_tokens, do_sample=not greedy, num_return_sequences=1 if greedy else sampling.n,
            temperature=None if greedy else sampling.temperature, top_p=None if greedy else sampling.top_p,
            top_k=None, eos_token_id=sorted(ends),
            # with a reasoning vocabulary the stop strings are matched on the mapped text (generate_kwargs)
            stop_strings=None if self.reasoning else list(sampling.stop) or None,
            pad_token_id=self.pad_id,
        )

    def generate(self, prompts: list[str], indices: list[int], sampling: Sampling,
                 progress=None) -> list[list[Sample]]:
        import torch

        stops = stop_token_ids(self.tokenizer, sampling)
        config = self._generation_config(sampling, self.eos_ids | stops)
        results: list[list[Sample]] = []
        bs = max(1, self.options.batch_size)
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(prompts), bs):
                batch = prompts[start:start + bs]
                enc = self.tokenizer(batch, return_tensors="pt", padding=True, padding_side="left")
                enc = enc.to(self.model.device)
                torch.manual_seed(request_seed(sampling.seed, indices[start]))
                extra = {"tokenizer": self.tokenizer} if self.reasoning is None else self.reasoning.generate_kwargs(
                    enc["input_ids"].shape[1], self.eos_ids | stops, sampling.stop)
                with torch.inference_mode():
                    out = self.model.generate(**enc, generation_config=config, **extra)
                gen = out[:, enc["input_ids"].shape[1]:].tolist()
                per = config.num_return_sequences
                for p in range(len(batch)):
                    samples = [self._sample(gen[p * per + j], sampling, self.end_ids | stops) for j in range(per)]
                    results.append(samples if per == sampling.n else [Sample(**vars(samples[0]))
                                                                      for _ in range(sampling.n)])
                if progress is not None:
                    progress(len(batch) * sampling.n)
        finally:
            self.model.train(was_training)
        return results

    def _sample(self, ids: list[int], sampling: Sampling, ends: set[int] | None = None) -> Sample:
        # rows that finished early are padded with pad (often == eos): the first eos/pad/stop token ends it
        ends = self.end_ids if ends is None else ends
        end = next((i for i, t in enumerate(ids) if t in ends), None)
        body = ids if end is None else ids[:end]
        text, stopped = cut_at_stop(self.decode(body), sampling.stop)
        if stopped:
            return Sample(text, len(body), "stop", body)
        if end is not None:
            return Sample(text, end + 1, "eos", body)  # the eos token counts, as in vLLM
        return Sample(text, len(ids), "length", body)

    def decode(self, ids: list[int]) -> str:
        """The text of generated ids (reasoning ids read as their base ids)."""
        return self.reasoning.decode(ids) if self.reasoning else self.tokenizer.decode(ids, skip_special_tokens=True)

    def close(self) -> None:
        self.model = None
