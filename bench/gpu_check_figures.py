"""The GPU check's figures (bench/gpu_check.py): a bench/train_probe.py report's steps split by phase, tokens/s,
MFU and peak memory per phase; and the counts of a pytest run's summary line.
"""

from __future__ import annotations

import re

from bench.bench_train_gpu import PEAK_BF16_FLOPS


def pytest_counts(proc) -> dict:
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error)", tail)}
    return {"returncode": proc.returncode, "summary": tail, **counts}


def step_figures(report: dict, params: int, kind: str | None) -> dict:
    """Per-step split (generation / weight sync / eval / training), tokens/s, MFU and per-phase peak memory.

    ``report`` is bench/train_probe.py's; ``params`` the model's parameter count; ``kind`` H100/H200 (None: no MFU).
    """
    calls, per_step = report["calls"], report["completions_per_step"]
    logs = {h["step"]: h for h in report["logs"]}
    steps, prev_tokens = [], 0
    for timed in report["steps"]:
        n, log = timed["step"], logs.get(timed["step"], {})
        mine = [c for c in calls if c["step"] == n]
        split = {f"{phase}_s": sum(c["seconds"] for c in mine if c["phase"] == phase)
                 for phase in ("generation", "weight_sync", "eval")}
        # with sleep mode, generate() syncs the weights itself: count that time once, as weight sync
        split["generation_s"] -= sum(c["seconds"] for c in mine if c.get("inside") == "generation")
        row = {"step": n, "wall_s": timed["wall_s"], **split,
               "training_s": max(0.0, timed["wall_s"] - sum(split.values())),  # scoring, fwd/bwd, optimizer
               "generated_tokens": per_step * log.get("completions/mean_length", 0.0),
               "train_tokens": log.get("num_tokens", 0) - prev_tokens}
        prev_tokens = log.get("num_tokens", prev_tokens)
        for phase in ("generation", "weight_sync", "training_step", "eval"):
            peaks = [c["peak_gib"] for c in mine if c["phase"] == phase and "peak_gib" in c]
            if peaks:
                row[f"{phase}_peak_gib"] = max(peaks)
        steps.append(row)
    steady = steps[1:] or steps  # the first step pays warm-up (compilation, allocator, AdamW state)
    keys = ("wall_s", "generation_s", "weight_sync_s", "eval_s", "training_s", "generated_tokens", "train_tokens")
    mean = {k: sum(s[k] for s in steady) / max(1, len(steady)) for k in keys}
    mean["busy_s"] = busy = mean["wall_s"] - mean["eval_s"]  # the step without the in-training eval
    flops = 8 * params * mean["train_tokens"] + 2 * params * mean["generated_tokens"]
    out = {"steps": steps, "steady_mean": mean,
           "generated_tokens_per_s": mean["generated_tokens"] / mean["generation_s"] if mean["generation_s"] else None,
           "training_tokens_per_s": mean["train_tokens"] / mean["training_s"] if mean["training_s"] else None,
           "mfu": flops / busy / PEAK_BF16_FLOPS[kind] if kind and busy > 0 else None,
           "mfu_formula": "(8 P train_tokens + 2 P generated_tokens) / (step wall - eval) / peak dense bf16",
           "wall_s": report["wall_s"], "global_step": report["global_step"]}
    for phase in ("generation", "weight_sync", "training_step", "eval"):
        peaks = [s[f"{phase}_peak_gib"] for s in steps if f"{phase}_peak_gib" in s]
        out[f"peak_gib_{phase}"] = max(peaks) if peaks else None
    return out
