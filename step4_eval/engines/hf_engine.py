"""transformers engine (the CPU fallback): batched ``generate`` with left padding, stopping at ``</answer>``.

Sampling follows the same protocol as the vLLM engine: plain temperature / top-p sampling (greedy when
the temperature is 0), no top-k and no repetition penalty, whatever the model's generation_config says.
Each batch of problems is seeded from the run seed and its first problem's position, so a chunk
regenerates identically after a resume.
"""

from __future__ import annotations

from common.errors import UserError
from step4_eval.engines import EngineOptions, Sample, Sampling, cut_at_stop, request_seed, stop_token_ids


class HFEngine:
    name = "hf"

    def __init__(self, model: str, options: EngineOptions):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.options = options
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = options.dtype
        if dtype == "auto":
            dtype = "bfloat16" if self.device == "cuda" else "float32"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype),
                                                              use_safetensors=True)  # never a pickle
        except OSError as exc:
            raise UserError(f"cannot load model {model!r}: {str(exc).splitlines()[0]}") from None
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self.end_ids = self.eos_ids | {self.tokenizer.pad_token_id}

    def _generation_config(self, sampling: Sampling, ends: set[int]):
        from transformers import GenerationConfig

        greedy = sampling.temperature == 0
        return GenerationConfig(  # greedy: one sequence per prompt, copied n times (as vLLM returns)
            max_new_tokens=sampling.max_tokens, do_sample=not greedy, num_return_sequences=1 if greedy else sampling.n,
            temperature=None if greedy else sampling.temperature, top_p=None if greedy else sampling.top_p,
            top_k=None, stop_strings=list(sampling.stop) or None, eos_token_id=sorted(ends),
            pad_token_id=self.tokenizer.pad_token_id,
        )

    def generate(self, prompts: list[str], indices: list[int], sampling: Sampling,
                 progress=None) -> list[list[Sample]]:
        import torch

        stops = stop_token_ids(self.tokenizer, sampling)
        config = self._generation_config(sampling, self.eos_ids | stops)
        results: list[list[Sample]] = []
        bs = max(1, self.options.batch_size)
        for start in range(0, len(prompts), bs):
            batch = prompts[start:start + bs]
            enc = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
            torch.manual_seed(request_seed(sampling.seed, indices[start]))
            with torch.inference_mode():
                out = self.model.generate(**enc, generation_config=config, tokenizer=self.tokenizer)
            gen = out[:, enc["input_ids"].shape[1]:].tolist()
            per = config.num_return_sequences
            for p in range(len(batch)):
                samples = [self._sample(gen[p * per + j], sampling, self.end_ids | stops) for j in range(per)]
                results.append(samples if per == sampling.n else [Sample(**vars(samples[0])) for _ in range(sampling.n)])
            if progress is not None:
                progress(len(batch) * sampling.n)
        return results

    def _sample(self, ids: list[int], sampling: Sampling, ends: set[int] | None = None) -> Sample:
        # rows that finished early are padded with pad (often == eos): the first eos/pad/stop token ends it
        ends = self.end_ids if ends is None else ends
        end = next((i for i, t in enumerate(ids) if t in ends), None)
        body = ids if end is None else ids[:end]
        text, stopped = cut_at_stop(self.tokenizer.decode(body, skip_special_tokens=True), sampling.stop)
        if stopped:
            return Sample(text, len(body), "stop")
        if end is not None:
            return Sample(text, end + 1, "eos")  # the eos token counts, as in vLLM
        return Sample(text, len(ids), "length")

    def close(self) -> None:
        self.model = None
