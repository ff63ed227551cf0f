"""`make demo`: the whole pipeline on a CPU, offline, in a few minutes, showing that it learns.

    python runs/demo.py [--config config/demo/demo.yaml] [--out_dir outputs/demo]

Chains the four stages as a user would run them, each as its own command:
  1. write synthetic arithmetic word problems (step1_data.synthetic);
  2. build the tiny Qwen2 model (r1zero.testing.tiny_model), its tokenizer trained on those problems' words as well;
  3. prepare the problems (step1: filters, dedupe, split); then the same problems again, with a share
     of slipped solutions (--sft_slip_rate: worked with the other operation, so their answers are wrong);
  4. SFT the tiny model on the r1_zero format, on the slipped solutions (step2, config/demo/sft.yaml);
  5. GRPO from the SFT model with the r1_zero reward against the true answers (step3, config/demo/grpo.yaml);
  6. evaluate base, SFT and GRPO on the same val set, 4 samples per problem at temperature 1.0 (step4, config/demo/eval.yaml);
then prints a comparison table and writes outputs/demo/report.json and outputs/demo/report.png.

It starts from scratch each time (the outputs folder is wiped first), so a rerun reproduces the same
numbers on the same machine. Works on any laptop: no GPU, no hub, no W&B account needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from r1zero.core.chat import PromptOptions
from r1zero.core.errors import UserError, run_cli
from step1_data.synthetic import check_slip_rate

REPO = Path(__file__).resolve().parent.parent

MODELS = ("base", "sft", "grpo")


@dataclass
class DemoArgs(PromptOptions):  # the prompt options go to every stage: `--template chat` runs the chat demo
    out_dir: str = "outputs/demo"
    # tiny model (r1zero.testing.tiny_model)
    hidden_size: int = 192
    num_layers: int = 2
    num_heads: int = 3
    intermediate_size: int = 512
    # data (step1_data.synthetic + prepare.py)
    num_rows: int = 3000
    max_operand: int = 5
    ops: str = "+,-"
    val_size: int = field(default=200, metadata={"ge": 0})
    sft_slip_rate: float = 0.3  # share of SFT solutions worked with the other operation; 0: SFT on the true ones
    seed: int = 0  # training and sampling (SFT order, GRPO rollouts, eval samples)
    data_seed: int | None = None  # the stories and the val split; None: the same as seed
    # stage configs
    sft_config: str = "config/demo/sft.yaml"
    grpo_config: str = "config/demo/grpo.yaml"
    eval_config: str = "config/demo/eval.yaml"
    time_budget_s: float = 600.0
    bf16: str = "auto"  # auto: bf16 autocast where the CPU has native bf16 (AVX512-BF16/AMX); true | false


def run_stage(title: str, cmd: list[str], timings: dict, env: dict) -> None:
    """Run one stage as a subprocess, streaming its output, and record its wall time."""
    print(f"\n=== [{len(timings) + 1}] {title}\n$ {' '.join(cmd)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env)
    timings[title] = round(time.perf_counter() - start, 1)
    if proc.returncode:
        raise UserError(f"demo stage '{title}' failed with exit status {proc.returncode} (output above)")
    print(f"=== {title}: done in {timings[title]:.0f} s", flush=True)


def summary_row(summary: dict) -> dict:
    keep = ("accuracy", "format_accuracy", "total", "num_problems", "samples_per_problem", "counts",
            "truncation_rate")
    return {k: summary[k] for k in keep if k in summary}


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m for m in MODELS if m in report]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    width = 0.38
    for i, (key, label) in enumerate((("format_accuracy", "format accuracy"), ("accuracy", "accuracy"))):
        values = [100 * report[m][key] for m in names]
        bars = ax.bar([x + (i - 0.5) * width for x in range(len(names))], values, width, label=label)
        ax.bar_label(bars, fmt="%.0f%%", fontsize=8)
    ax.set_xticks(range(len(names)), [n.upper() if n != "base" else "base" for n in names])
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of val samples (T=1.0, 4 per problem)")
    ax.set_title("make demo: tiny Qwen2 on CPU, r1_zero reward")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fresh_out_dir(out: Path) -> None:
    """Wipe and recreate the demo's folder (a rerun reproduces the same numbers), never a folder it did not make."""
    marker = out / ".made_by_make_demo"
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise UserError(f"{out} exists and was not made by the demo; refusing to wipe it (pick another --out_dir)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    marker.touch()


def precision_flags(choice: str) -> list[str]:
    """bf16 autocast where the CPU has native bf16 (AVX512-BF16/AMX), fp32 elsewhere. At the demo's size it saves
    little time (SFT 97 s against 104 s on a 2-core AMX Xeon) and changes the figures (bench/NOTES.md, "Across
    machines")."""
    from r1zero.core.hardware import cpu_supports_bf16

    if choice not in ("auto", "true", "false"):
        raise UserError(f"--bf16 must be auto, true or false, not {choice!r}")
    native = cpu_supports_bf16()
    use_bf16 = native if choice == "auto" else choice == "true"
    print(f"training precision: {'bf16 autocast' if use_bf16 else 'fp32'} (CPU native bf16: {native})", flush=True)
    return ["--bf16", str(use_bf16).lower()]


def run_pipeline(args: DemoArgs, out: Path, precision: list[str], timings: dict) -> None:
    """The four stages, each as the command a user would type."""
    py = sys.executable
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": os.environ.get("WANDB_MODE", "disabled"),
           "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    ckpts = checkpoints(out)
    data, sft_data = write_data_and_model(args, out, ckpts["base"],
                                          lambda title, cmd: run_stage(title, [py, *cmd], timings, env))
    seed = ["--seed", str(args.seed), *prompt_flags(args)]
    run_stage("step2: SFT", [py, "step2_sft/train_sft.py", "--config", args.sft_config,
                             "--model_name_or_path", str(ckpts["base"]), "--data_dir", str(sft_data),
                             "--output_dir", str(out / "sft"), *precision, *seed], timings, env)
    run_stage("step3: GRPO", [py, "step3_GRPO/train_trl.py", "--config", args.grpo_config,
                              "--model_name_or_path", str(ckpts["sft"]), "--data_dir", str(data),
                              "--output_dir", str(out / "grpo"), *precision, *seed], timings, env)
    for name, ckpt in ckpts.items():
        run_stage(f"step4: evaluate {name}", [py, "step4_eval/evaluate.py", "--config", args.eval_config,
                                              "--ckpt", str(ckpt), "--data", str(data / "val.parquet"),
                                              "--output_dir", str(out / "eval" / name), *seed], timings, env)


def prompt_flags(args: DemoArgs) -> list[str]:
    """The prompt options the demo was given, for every stage (none for the default r1_zero demo)."""
    given = {"template": args.template if args.template != "r1_zero" else None, "answer_rule": args.answer_rule,
             "system_prompt": args.system_prompt, "enable_thinking": args.enable_thinking}
    return [f for name, value in given.items() if value is not None for f in (f"--{name}", str(value).lower()
                                                                            if isinstance(value, bool) else str(value))]


def write_data_and_model(args: DemoArgs, out: Path, model: Path, run) -> tuple[Path, Path]:
    """Step 1 and the tiny model: the stories with true solutions in out/data (rewards and evaluation).

    With a slip rate, the same problems (one data seed) again in out/data_sft, a share of their
    solutions worked with the other operation: SFT learns from them. Returns (data, SFT data) folders.
    """
    data_seed = str(args.seed if args.data_seed is None else args.data_seed)
    stories = ["-m", "step1_data.synthetic", "--num_rows", str(args.num_rows), "--seed", data_seed,
               "--max_operand", str(args.max_operand), "--ops", args.ops, "--word_problems"]
    prepare = ["step1_data/prepare.py", "--config", "config/data.yaml", "--dataset", "numina",
               "--val_size", str(args.val_size), "--seed", data_seed]
    raw, data = out / "raw" / "arith.jsonl", out / "data"
    run("step1: synthetic arithmetic", [*stories, "--output", str(raw)])
    run("build the tiny model", ["-m", "r1zero.testing.tiny_model", str(model), "--hidden_size", str(args.hidden_size),
                                 "--num_layers", str(args.num_layers), "--num_heads", str(args.num_heads),
                                 "--intermediate_size", str(args.intermediate_size), "--corpus", str(raw)])
    run("step1: prepare", [*prepare, "--input", str(raw), "--output_dir", str(data)])
    if not args.sft_slip_rate:
        return data, data
    raw_sft, data_sft = out / "raw" / "arith_sft.jsonl", out / "data_sft"
    run("step1: synthetic arithmetic, slipped (SFT)",
        [*stories, "--output", str(raw_sft), "--slip_rate", str(args.sft_slip_rate)])
    run("step1: prepare, slipped (SFT)", [*prepare, "--input", str(raw_sft), "--output_dir", str(data_sft)])
    return data, data_sft


def checkpoints(out: Path) -> dict[str, Path]:
    return {"base": out / "tiny_model", "sft": out / "sft" / "final", "grpo": out / "grpo" / "final"}


def build_report(out: Path, timings: dict, total: float, budget_s: float) -> dict:
    report = {name: summary_row(json.loads((out / "eval" / name / "summary.json").read_text()))
              for name in MODELS}
    report["timings_s"] = {**timings, "total": round(total, 1)}
    report["checks"] = {
        "sft_format_accuracy_at_least_0.9": report["sft"]["format_accuracy"] >= 0.9,
        "grpo_accuracy_above_sft": report["grpo"]["accuracy"] > report["sft"]["accuracy"],
        f"total_under_{budget_s:.0f}s": total <= budget_s,
    }
    return report


def print_report(report: dict, out: Path) -> None:
    sft, timings = report["sft"], report["timings_s"]
    print(f"\n=== make demo: {sft['num_problems']} val problems x {sft['samples_per_problem']} samples "
          f"at temperature 1.0 per model")
    print(f"{'model':<6} {'accuracy':>9} {'format acc':>11} {'correct':>8} {'wrong':>6} {'format fail':>12}")
    for name in MODELS:
        r, c = report[name], report[name]["counts"]
        print(f"{name:<6} {r['accuracy']:>9.1%} {r['format_accuracy']:>11.1%} {c['correct']:>8} "
              f"{c['wrong_answer']:>6} {c['format_failure']:>12}")
    print(f"\ntotal {timings['total'] / 60:.1f} min; "
          + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items() if k != "total"))
    for claim, ok in report["checks"].items():
        print(f"  [{'ok' if ok else 'MISSED'}] {claim}")
    print(f"\nwrote {out / 'report.json'} and {out / 'report.png'}")


def main(argv=None) -> dict:
    from r1zero.core.artifacts import atomic_write_json
    from r1zero.core.config import parse_args

    (args,) = parse_args([DemoArgs], argv)
    out = (REPO / args.out_dir).resolve()
    precision = precision_flags(args.bf16)  # bad values are refused before anything is wiped
    check_slip_rate(args.sft_slip_rate, "--sft_slip_rate")
    fresh_out_dir(out)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    run_pipeline(args, out, precision, timings)
    report = build_report(out, timings, time.perf_counter() - start, args.time_budget_s)
    atomic_write_json(out / "report.json", report)
    write_chart(report, out / "report.png")
    print_report(report, out)
    return report


if __name__ == "__main__":
    run_cli(main)
