"""GPU step times of step2 (SFT) and step3 (GRPO) on a randomly initialised model of real shape.

Runs our own scripts (train_sft.py, train_trl.py) with the real recipes in config/sft.yaml and
config/grpo_config.yaml on a random model with Qwen2.5-1.5B's exact shape, then prints step time,
tokens/s and peak memory against the GPU's physical limits (H100 SXM: ~989 TFLOP/s dense bf16,
3.35 TB/s HBM3). No hub access is needed: the tokenizer is the offline tiny one (600 tokens), which
is fine for timing since the model's vocabulary keeps Qwen's 151,936 rows.

    python bench/bench_train_gpu.py                       # on one GPU, ~5 minutes
    python bench/bench_train_gpu.py --sft_steps 6 --grpo_steps 3 --completion_length 256

GRPO runs without vLLM when vLLM is not installed (plain `generate`, much slower at decode); the
printout says which. Figures go in bench/NOTES.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

QWEN25_15B = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                  num_key_value_heads=2, vocab_size=151936, max_position_embeddings=4096,
                  tie_word_embeddings=True, rope_theta=1e6)
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12}
PEAK_BW = {"H100": 3.35e12, "H200": 4.8e12}


def build_model(out: Path, shape: dict | None = None, device: str = "cuda") -> int:
    """Random model of ``shape`` (default Qwen2.5-1.5B's) saved in bf16, with the tiny offline tokenizer beside it."""
    import shutil

    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from r1zero.testing.tiny_model import build

    tok_dir = build(out.parent / "tok", quiet=True)
    cfg = Qwen2Config(**(shape or QWEN25_15B), bos_token_id=0, eos_token_id=0, pad_token_id=0)
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(cfg).to(torch.bfloat16)
    model.generation_config = GenerationConfig(eos_token_id=0, pad_token_id=0, bos_token_id=0)
    model.save_pretrained(out)
    for f in tok_dir.iterdir():
        if f.name.startswith(("tokenizer", "special_tokens", "chat_template")):
            shutil.copy(f, out / f.name)
    n = sum(p.numel() for p in model.parameters())
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return n


def write_data(out: Path, target_words: int) -> None:
    """step1-layout data whose SFT targets are long (~target_words words), so SFT steps carry real tokens."""
    import pandas as pd

    from r1zero.core.artifacts import atomic_write_parquet, write_manifest
    from r1zero.core.prompts import build_prompt, build_response
    from r1zero.testing.tiny_model import MATH_WORDS

    rng = random.Random(0)
    rows = []
    for i in range(2048):
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        problem = f"What is {a} + {b}? " + " ".join(rng.choice(MATH_WORDS) for _ in range(40))
        reasoning = " ".join(rng.choice(MATH_WORDS) for _ in range(target_words))
        rows.append({"id": f"b{i}", "source": "bench", "problem": problem, "answer": str(a + b),
                     "solution": reasoning, "prompt": build_prompt(problem),
                     "sft_target": build_response(reasoning, str(a + b))})
    df = pd.DataFrame(rows)
    atomic_write_parquet(out / "train.parquet", df.iloc[:1984])
    atomic_write_parquet(out / "val.parquet", df.iloc[1984:])
    write_manifest(out, "bench_data", {"rows": len(df)})


def run(cmd: list[str], log: Path) -> float:
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        print(log.read_text()[-4000:])
        raise SystemExit(f"command failed ({proc.returncode}): see {log}")
    return elapsed


def step_logs(output_dir: Path) -> list[dict]:
    history = json.loads((output_dir / "trainer_state.json").read_text())["log_history"]
    return [h for h in history if "loss" in h and "train_runtime" not in h]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sft_steps", type=int, default=8)
    ap.add_argument("--grpo_steps", type=int, default=4)
    ap.add_argument("--completion_length", type=int, default=512)
    ap.add_argument("--sft_target_words", type=int, default=700)
    ap.add_argument("--work_dir", default=None)
    args = ap.parse_args()

    import torch

    if not torch.cuda.is_available():
        raise SystemExit("error: bench_train_gpu needs a CUDA GPU")
    gpu = torch.cuda.get_device_name(0)
    kind = "H200" if "H200" in gpu else "H100"
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="bench_train_gpu_"))
    model_dir, data_dir = work / "model", work / "data"
    params = build_model(model_dir)
    write_data(data_dir, args.sft_target_words)
    print(f"{gpu}: random Qwen2.5-1.5B shape, {params:,} parameters; work dir {work}", flush=True)
    env_py = [sys.executable]
    common = ["--model_name_or_path", str(model_dir), "--data_dir", str(data_dir), "--report_to", "none",
              "--save_strategy", "no", "--logging_steps", "1"]

    # --- SFT: the real recipe (fp32 master weights + bf16 autocast, gradient checkpointing), 8 x 2 seqs/step
    sft_out = work / "sft"
    sft_wall = run(env_py + ["step2_sft/train_sft.py", "--config", "config/sft.yaml", *common,
                             "--output_dir", str(sft_out), "--max_steps", str(args.sft_steps),
                             "--gradient_accumulation_steps", "2", "--max_length", "2048"], work / "sft.log")
    sft_state = json.loads((sft_out / "trainer_state.json").read_text())["log_history"]
    sft_final = next(h for h in sft_state if "train_runtime" in h)
    sft_tokens = max(h.get("num_tokens", 0) for h in sft_state)
    sft_step = sft_final["train_runtime"] / args.sft_steps
    sft_tps = sft_tokens / sft_final["train_runtime"]
    sft_mfu = 6 * params * sft_tps / PEAK_BF16_FLOPS[kind]

    # --- GRPO: the real recipe, shorter completions; vLLM colocate when installed, else plain generate
    import importlib.util

    use_vllm = importlib.util.find_spec("vllm") is not None
    grpo_out = work / "grpo"
    grpo_wall = run(env_py + ["step3_GRPO/train_trl.py", "--config", "config/grpo_config.yaml", *common,
                              "--output_dir", str(grpo_out), "--max_steps", str(args.grpo_steps),
                              "--use_vllm", str(use_vllm).lower(), "--eval_every_steps", "0",
                              "--log_completions", "false", "--gradient_accumulation_steps", "4",
                              "--max_completion_length", str(args.completion_length)], work / "grpo.log")
    logs = step_logs(grpo_out)
    steady = logs[1:] or logs  # the first step pays compilation / allocator warm-up
    step_time = sum(h.get("step_time", 0) for h in steady) / len(steady)
    completions = 8 * 4
    gen_tokens = completions * sum(h["completions/mean_length"] for h in steady) / len(steady)
    peak = max(h.get("gpu/peak_allocated_gb", 0) for h in logs)
    decode_floor = args.completion_length * 2 * params / PEAK_BW[kind]  # each decode step reads bf16 weights

    print()
    print("| stage | measured | physical limit | ratio |")
    print("|---|---|---|---|")
    print(f"| SFT step (16 seqs, {sft_tokens / args.sft_steps:,.0f} tokens) | {sft_step:.2f} s, "
          f"{sft_tps:,.0f} tokens/s | {PEAK_BF16_FLOPS[kind] / 1e12:.0f} TFLOP/s bf16 | MFU {sft_mfu:.1%} (6PT) |")
    print(f"| GRPO step ({completions} completions x {args.completion_length} tokens, "
          f"{'vLLM colocate' if use_vllm else 'HF generate'}) | {step_time:.2f} s, "
          f"{gen_tokens / step_time:,.0f} generated tokens/s | decode floor {decode_floor:.2f} s "
          f"({PEAK_BW[kind] / 1e12:.2f} TB/s) | {step_time / decode_floor:.1f}x the floor |")
    print(f"| GRPO peak allocated | {peak:.1f} GiB | {torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB |"
          f" {peak / (torch.cuda.get_device_properties(0).total_memory / 2**30):.0%} |")
    print(f"\nwall: SFT {sft_wall:.0f} s ({args.sft_steps} steps incl. load), GRPO {grpo_wall:.0f} s "
          f"({args.grpo_steps} steps incl. load)")
    summary = {"gpu": gpu, "params": params, "sft_step_s": sft_step, "sft_tokens_per_s": sft_tps,
               "sft_mfu_6pt": sft_mfu, "grpo_step_s": step_time, "grpo_generated_tokens_per_s": gen_tokens / step_time,
               "grpo_peak_allocated_gib": peak, "grpo_engine": "vllm" if use_vllm else "hf",
               "grpo_logs": logs}
    out = Path(os.environ.get("OUT", work))
    (out / "bench_train_gpu.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
