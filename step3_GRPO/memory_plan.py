"""Per-GPU memory plan for GRPO, with vLLM colocated on the training GPU (estimates, in GiB).

Terms, per GPU (P parameters, N processes, a = 2 bytes for bf16 activations):
- weights / gradients / optimizer: bytes per parameter by precision, divided by N where the ZeRO stage
  shards them (stage 1: optimizer, 2: + gradients, 3: + weights). Without DeepSpeed they follow the
  loaded weights' dtype: fp32 weights (with or without bf16 autocast) 4/4/8, bf16 weights 2/2/4 (torch
  AdamW keeps its two moments in the parameter dtype). DeepSpeed with bf16: 2/2/12 (bf16 weights and
  gradients, fp32 master copy and moments); DeepSpeed without bf16: 4/4/8.
- reference model (beta > 0 only): another copy of the weights, sharded like them.
- activations for one micro-batch of T = batch x (prompt + completion) tokens: without gradient
  checkpointing a x (6h + 2 kv_dim + 4I) bytes per token per layer (layer-norm outputs, q/k/v, attention
  output, the four MLP tensors of SwiGLU; SDPA/flash attention keep no s^2 scores); with it, the L layer
  inputs (a x h per token per layer) plus one layer being recomputed.
- logits: batch x completion x vocab x (a + 4) bytes (bf16 logits and their fp32 log-softmax).
- vLLM (colocate): vLLM claims vllm_gpu_memory_utilization x GPU memory. It needs its weights (bf16,
  split over tensor-parallel ranks), the KV cache of the generation batch (2 x L x kv_heads x head_dim x
  2 bytes per token) and about 1 GiB of its own.
- overhead: CUDA context and allocator slack, a flat 1.5 GiB.

Peak = training + vLLM + overhead, or with vLLM sleep mode (vLLM frees its memory while the policy
trains) max(training, static training state + vLLM) + overhead.

Server mode (vLLM on its own GPUs, `trl vllm-serve`): the training GPUs hold no vLLM term, and a separate
``ServerPlan`` checks the server's GPUs, which generate the batch of every training process at once: its
weights split over the server's tensor-parallel GPUs, and how many of the batch's sequences its KV cache
holds at a time (the rest wait for a second round, which slows generation but does not fail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

GIB = 1024**3
OVERHEAD_GB = 1.5
VLLM_OVERHEAD_GB = 1.0


@dataclass(frozen=True)
class ModelShape:
    n_params: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int

    @classmethod
    def from_config(cls, config, n_params: int | None = None) -> ModelShape:
        """From a transformers config; ``n_params`` defaults to the Qwen2/Llama-style count."""
        cfg = config.get_text_config() if hasattr(config, "get_text_config") else config
        heads = cfg.num_attention_heads
        shape = cls(
            n_params=0, hidden=cfg.hidden_size, layers=cfg.num_hidden_layers, heads=heads,
            kv_heads=getattr(cfg, "num_key_value_heads", None) or heads,
            head_dim=getattr(cfg, "head_dim", None) or cfg.hidden_size // heads,
            intermediate=cfg.intermediate_size, vocab=cfg.vocab_size,
        )
        if n_params is None:
            n_params = shape.decoder_params(tied=bool(getattr(cfg, "tie_word_embeddings", False)),
                                            qkv_bias=bool(getattr(cfg, "attention_bias", True)))
        return replace(shape, n_params=n_params)

    def decoder_params(self, *, tied: bool, qkv_bias: bool = True) -> int:
        """Parameters of a Qwen2/Llama decoder (GQA attention, SwiGLU MLP, RMSNorm)."""
        q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        attn = self.hidden * q + 2 * self.hidden * kv + q * self.hidden + (q + 2 * kv if qkv_bias else 0)
        mlp = 3 * self.hidden * self.intermediate
        per_layer = attn + mlp + 2 * self.hidden
        embed = self.vocab * self.hidden * (1 if tied else 2)
        return self.layers * per_layer + embed + self.hidden


@dataclass(frozen=True)
class PlanInputs:
    shape: ModelShape
    gpu_gb: float
    world_size: int = 1
    zero_stage: int = 0
    bf16: bool = True  # bf16 mixed precision (autocast, or DeepSpeed's bf16 mode)
    fp32_weights: bool = False  # the policy is loaded in fp32 (dtype: float32)
    gradient_checkpointing: bool = False
    micro_batch: int = 8  # sequences per forward/backward (per_device_train_batch_size)
    prompt_len: int = 512
    completion_len: int = 1024
    beta: float = 0.0
    use_vllm: bool = True
    colocate: bool = True
    vllm_gpu_memory_utilization: float = 0.3
    vllm_tensor_parallel_size: int = 1
    vllm_sleep_mode: bool = False
    gen_sequences: int = 64  # sequences vLLM generates at once per GPU (generation batch / processes)
    vllm_server_gpus: int = 1  # server mode: the server's GPUs (tensor parallel), each like ours
    vllm_server_utilization: float = 0.9  # server mode: `trl vllm-serve`'s default gpu_memory_utilization


@dataclass(frozen=True)
class ServerPlan:
    """Server mode, per server GPU: what the vLLM server needs for every training process's batch."""

    gpus: int
    budget_gb: float  # utilization x GPU memory
    weights_gb: float
    sequences: int  # sequences one generation round asks for, over all training processes
    kv_gb: float  # their KV cache

    @property
    def holds_weights(self) -> bool:
        return self.weights_gb + VLLM_OVERHEAD_GB < self.budget_gb

    @property
    def sequences_at_once(self) -> int:
        spare = self.budget_gb - self.weights_gb - VLLM_OVERHEAD_GB
        if spare <= 0:
            return 0
        return self.sequences if spare >= self.kv_gb else int(self.sequences * spare / self.kv_gb)

    def line(self) -> str:
        return (f"vLLM server: {self.gpus} GPU(s), per GPU {self.weights_gb:.2f} GiB weights + {VLLM_OVERHEAD_GB:g} "
                f"+ {self.kv_gb:.2f} KV for {self.sequences} sequences, of {self.budget_gb:.1f} GiB")


@dataclass
class MemoryPlan:
    inputs: PlanInputs
    terms: dict[str, float]  # GiB per GPU
    notes: dict[str, str]
    training_gb: float
    static_gb: float
    vllm_gb: float
    vllm_needed_gb: float
    peak_gb: float
    server: ServerPlan | None = None

    @property
    def fits(self) -> bool:
        return self.peak_gb <= self.inputs.gpu_gb

    def table(self) -> str:
        rows = [(name, f"{gb:8.2f}", self.notes.get(name, "")) for name, gb in self.terms.items()]
        rows.append(("peak (estimate)", f"{self.peak_gb:8.2f}",
                     "sleep mode: max(train, static + vLLM)" if self.inputs.vllm_sleep_mode else "sum"))
        rows.append(("GPU memory", f"{self.inputs.gpu_gb:8.2f}", "fits" if self.fits else "DOES NOT FIT"))
        width = max(len(r[0]) for r in rows)
        lines = [f"{'term':<{width}}  {'GiB/GPU':>8}  note", "-" * (width + 40)]
        lines += [f"{name:<{width}}  {gb}  {note}" for name, gb, note in rows]
        return "\n".join(lines)


def precision_bytes(bf16: bool, zero_stage: int, fp32_weights: bool = False) -> tuple[int, int, int]:
    """(weight, gradient, optimizer) bytes per parameter."""
    if zero_stage > 0:
        return (2, 2, 12) if bf16 else (4, 4, 8)
    return (4, 4, 8) if fp32_weights or not bf16 else (2, 2, 4)


def activation_bytes(shape: ModelShape, tokens: int, *, checkpointing: bool, act_bytes: int = 2) -> int:
    per_token_layer = act_bytes * (6 * shape.hidden + 2 * shape.kv_heads * shape.head_dim + 4 * shape.intermediate)
    if checkpointing:
        return shape.layers * tokens * shape.hidden * act_bytes + tokens * per_token_layer
    return shape.layers * tokens * per_token_layer


def kv_cache_bytes(shape: ModelShape, tokens: int, kv_bytes: int = 2) -> int:
    return 2 * shape.layers * shape.kv_heads * shape.head_dim * kv_bytes * tokens


def plan(p: PlanInputs) -> MemoryPlan:
    s, n, z = p.shape, max(1, p.world_size), p.zero_stage
    wb, gb, ob = precision_bytes(p.bf16, z, p.fp32_weights)
    seq = p.prompt_len + p.completion_len
    terms = {
        "weights": s.n_params * wb / (n if z >= 3 else 1) / GIB,
        "gradients": s.n_params * gb / (n if z >= 2 else 1) / GIB,
        "optimizer (AdamW)": s.n_params * ob / (n if z >= 1 else 1) / GIB,
        "reference model": (s.n_params * wb / (n if z >= 3 else 1) / GIB) if p.beta > 0 else 0.0,
        "activations": activation_bytes(s, p.micro_batch * seq, checkpointing=p.gradient_checkpointing) / GIB,
        "logits": p.micro_batch * p.completion_len * s.vocab * (2 + 4) / GIB,
    }
    notes = {
        "weights": f"{s.n_params / 1e9:.2f}B params x {wb} B" + (f" / {n} (ZeRO-3)" if z >= 3 else ""),
        "gradients": f"x {gb} B" + (f" / {n} (ZeRO-{z})" if z >= 2 else ""),
        "optimizer (AdamW)": f"x {ob} B" + (f" / {n} (ZeRO-{z})" if z >= 1 else ""),
        "reference model": f"beta={p.beta}" + ("" if p.beta > 0 else ": none"),
        "activations": f"{p.micro_batch} x {seq} tokens, gradient checkpointing "
                       + ("on" if p.gradient_checkpointing else "off"),
        "logits": f"{p.micro_batch} x {p.completion_len} x vocab {s.vocab}",
    }
    static = terms["weights"] + terms["gradients"] + terms["optimizer (AdamW)"] + terms["reference model"]
    training = static + terms["activations"] + terms["logits"]
    tp = max(1, p.vllm_tensor_parallel_size)
    vllm_weights = s.n_params * 2 / tp / GIB
    vllm_kv = kv_cache_bytes(s, p.gen_sequences * seq) / tp / GIB
    vllm_needed = vllm_weights + vllm_kv + VLLM_OVERHEAD_GB
    vllm = 0.0
    if p.use_vllm and p.colocate:
        vllm = p.vllm_gpu_memory_utilization * p.gpu_gb
        terms["vLLM (reserved)"] = vllm
        notes["vLLM (reserved)"] = (f"utilization {p.vllm_gpu_memory_utilization} x {p.gpu_gb:g} GiB; needs "
                                    f"{vllm_weights:.2f} weights + {vllm_kv:.2f} KV ({p.gen_sequences} seqs) "
                                    f"+ {VLLM_OVERHEAD_GB:g}")
    terms["CUDA context + slack"] = OVERHEAD_GB
    if p.use_vllm and p.colocate and p.vllm_sleep_mode:
        peak = max(training, static + vllm) + OVERHEAD_GB
    else:
        peak = training + vllm + OVERHEAD_GB
    server = None
    if p.use_vllm and not p.colocate:
        gpus = max(1, p.vllm_server_gpus)
        sequences = p.gen_sequences * max(1, p.world_size)
        server = ServerPlan(gpus=gpus, budget_gb=p.vllm_server_utilization * p.gpu_gb,
                            weights_gb=s.n_params * 2 / gpus / GIB, sequences=sequences,
                            kv_gb=kv_cache_bytes(s, sequences * seq) / gpus / GIB)
    return MemoryPlan(p, terms, notes, training, static, vllm, vllm_needed, peak, server)


def min_vllm_utilization(mp: MemoryPlan, step: float = 0.05) -> float:
    """The smallest utilization (rounded up to ``step``) that holds vLLM's weights and the batch's KV cache."""
    return min(0.95, math.ceil(mp.vllm_needed_gb / mp.inputs.gpu_gb / step - 1e-9) * step)


def suggestions(mp: MemoryPlan) -> list[str]:
    """What to change, applied one after another until the plan fits (each line gives the new peak)."""
    out: list[str] = []
    p = mp.inputs
    colocated = p.use_vllm and p.colocate
    cur = mp
    if colocated and mp.vllm_gb < mp.vllm_needed_gb:
        need = min_vllm_utilization(mp)
        cur = plan(replace(p, vllm_gpu_memory_utilization=need))
        out.append(f"vllm_gpu_memory_utilization: {need:.2f} (now {p.vllm_gpu_memory_utilization}: vLLM gets "
                   f"{mp.vllm_gb:.1f} GiB but needs ~{mp.vllm_needed_gb:.1f} for weights + the batch's KV cache) "
                   f"-> peak {cur.peak_gb:.1f} GiB" + (" (fits)" if cur.fits else ""))
    steps = []
    if not p.gradient_checkpointing:
        steps.append(("gradient_checkpointing: true", dict(gradient_checkpointing=True)))
    if colocated:
        need = min_vllm_utilization(cur)
        if need < cur.inputs.vllm_gpu_memory_utilization:
            steps.append((f"vllm_gpu_memory_utilization: {need:.2f}", dict(vllm_gpu_memory_utilization=need)))
        if not p.vllm_sleep_mode:
            steps.append(("vllm_enable_sleep_mode: true", dict(vllm_sleep_mode=True)))
    if p.world_size > 1:
        for stage in range(max(p.zero_stage + 1, 2), 4):
            steps.append((f"ZeRO stage {stage} (ZERO={stage}: config/accelerate/zero{stage}.yaml)",
                          dict(zero_stage=stage)))
    if p.fp32_weights and p.zero_stage == 0:
        steps.append(("dtype: bfloat16 (pure bf16 weights and AdamW: half the memory, but small updates round "
                      "away; prefer more GPUs with ZeRO)", dict(fp32_weights=False)))
    batch = p.micro_batch
    while batch > 1:
        batch //= 2
        steps.append((f"per_device_train_batch_size: {batch} (raise gradient_accumulation_steps to keep the "
                      "batch)", dict(micro_batch=batch)))
    if not cur.fits:
        for text, change in steps:
            nxt = plan(replace(cur.inputs, **change))
            if nxt.peak_gb >= cur.peak_gb - 0.05:
                continue  # no gain (e.g. a smaller batch under sleep mode, where vLLM sets the peak)
            cur = nxt
            out.append(f"{text} -> peak {cur.peak_gb:.1f} GiB" + (" (fits)" if cur.fits else ""))
            if cur.fits:
                break
        if not cur.fits:
            out.append("still too big: use a smaller model, shorter max_completion_length or more GPUs")
    elif colocated and cur is mp:
        spare = 0.8 * (p.gpu_gb - mp.peak_gb)  # keep a fifth of the spare memory: the plan is an estimate
        more = min(0.95, p.vllm_gpu_memory_utilization + math.floor(spare / p.gpu_gb * 20) / 20)
        if spare > 0.1 * p.gpu_gb and more > p.vllm_gpu_memory_utilization:
            out.append(f"{p.gpu_gb - mp.peak_gb:.0f} GiB spare: vllm_gpu_memory_utilization up to {more:.2f} "
                       "would give vLLM a larger KV cache (faster generation)")
    return out
