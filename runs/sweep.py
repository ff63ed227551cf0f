"""Run a grid of GRPO experiments from one base config, evaluate each final checkpoint, compare them all.

    python runs/sweep.py --config config/sweep/example.yaml                    # on this machine
    python runs/sweep.py --config config/sweep/example.yaml --backend slurm    # one SLURM job per run
    python runs/sweep.py --config config/sweep/example.yaml --report_only true # compare what has finished

The sweep YAML names a GRPO config, a ``grid`` (option -> values; every combination is one run) and
``overrides`` for every run. Where runs go:
- CPU (no GPU visible): one after another (``cpu_parallel`` at a time), each `train_trl.py` in one process.
- GPUs on this machine: the visible GPUs are split into slots of ``gpus_per_run`` training GPUs (+
  ``vllm_gpus`` for a vLLM server per run, server mode); each slot runs one run at a time through
  `launch_trl.sh`, with its own CUDA_VISIBLE_DEVICES, MASTER_PORT, VLLM_PORT and vLLM group port.
- SLURM: per run one training job and one eval job (`slurm/stage.sbatch`), then a report job that runs
  this script with ``--report_only true`` once they all ended, successful or not.
Each finished run is evaluated with step4 (``eval_config``, on ``<data_dir>/val.parquet``), and
`step4_eval/compare_runs.py` writes ``runs.md``, ``runs.csv`` and ``runs.png`` into the sweep folder
(``outputs/sweeps/<name>``) beside ``sweep.json``. A run that fails is marked with its error line and the
others are still evaluated and compared; the sweep then exits 1. W&B runs are grouped by the sweep name
(WANDB_RUN_GROUP) and named ``<sweep>/<run>``. Each run's output is in ``<run>/train.log`` and ``eval.log``.
"""

from __future__ import annotations

import itertools
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from r1zero.core.errors import UserError, fail, run_cli

REPO = Path(__file__).resolve().parent.parent
MANAGED = ("config", "output_dir", "run_name")  # options the sweep sets for each run itself
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
OPTION_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
ERROR_RE = re.compile(r"\berror\b:", re.IGNORECASE)
EXIT_MARK = "[sweep] exit status"
MAX_RUNS = 256


@dataclass
class SweepArgs:
    name: str = field(default="sweep", metadata={"help": "Sweep name: folder outputs/sweeps/<name>, W&B group."})
    grpo_config: str = field(default="config/grpo_config.yaml", metadata={"help": "Base GRPO config of every run."})
    grid: dict = field(default_factory=dict, metadata={"help": "GRPO option -> list of values (set it in the YAML); "
                                                                "every combination is one run."})
    overrides: dict = field(default_factory=dict, metadata={"help": "GRPO options for every run (in the YAML)."})
    eval_config: str = field(default="config/eval.yaml", metadata={"help": "step4 config for the final checkpoints."})
    eval_overrides: dict = field(default_factory=dict, metadata={"help": "step4 options for every eval (in the YAML)."})
    eval_data: str | None = field(default=None, metadata={"help": "val parquet; default <data_dir>/val.parquet."})
    out_dir: str | None = field(default=None, metadata={"help": "Default: outputs/sweeps/<name>."})
    backend: str = field(default="local", metadata={"help": "local (this machine) | slurm (sbatch per run)."})
    gpus_per_run: int = field(default=1, metadata={"help": "Training GPUs per run (local GPUs; SLURM: per job)."})
    vllm_gpus: int = field(default=0, metadata={"help": "Server mode: vLLM server GPUs per run (0: colocate)."})
    cpu_parallel: int = field(default=1, metadata={"help": "Without GPUs: runs at a time."})
    master_port: int = field(default=29600, metadata={"help": "Slot k's MASTER_PORT is this + k."})
    vllm_port: int = field(default=8100, metadata={"help": "Server mode: slot k's VLLM_PORT is this + k."})
    vllm_group_port: int = field(default=51300, metadata={"help": "Server mode: slot k's vllm_group_port is "
                                                                  "this + k."})
    slurm_args: str = field(default="", metadata={"help": "sbatch options for the run jobs, e.g. "
                                                          "'--partition gpu --gpus-per-node 1 --time 08:00:00'."})
    report_only: bool = field(default=False, metadata={"help": "Train and evaluate nothing: compare what has "
                                                               "finished (what the SLURM report job runs)."})

    def __post_init__(self):
        if not NAME_RE.match(self.name):
            raise ValueError(f"--name must be letters, digits, '.', '_' or '-', got {self.name!r}")
        if self.backend not in ("local", "slurm"):
            raise ValueError(f"--backend must be local or slurm, got {self.backend!r}")
        for key in ("gpus_per_run", "cpu_parallel"):
            if getattr(self, key) < 1:
                raise ValueError(f"--{key} must be >= 1, got {getattr(self, key)}")
        if self.vllm_gpus < 0:
            raise ValueError(f"--vllm_gpus must be >= 0, got {self.vllm_gpus}")


@dataclass
class Run:
    name: str
    params: dict
    folder: Path

    @property
    def train_dir(self) -> Path:
        return self.folder / "grpo"

    @property
    def eval_dir(self) -> Path:
        return self.folder / "eval"


# ------------------------------------------------------------------------------------------ the plan

def _check_options(options, what: str, *, lists: bool) -> dict:
    if not isinstance(options, dict):
        raise UserError(f"`{what}` must be a mapping of option: {'[values]' if lists else 'value'}")
    for key, value in options.items():
        if not isinstance(key, str) or not OPTION_RE.match(key):
            raise UserError(f"`{what}` has a key that is not an option name: {key!r}")
        if key in MANAGED:
            raise UserError(f"`{what}` may not set {key}: the sweep sets it for each run")
        if lists and (not isinstance(value, list) or not value):
            raise UserError(f"`{what}.{key}` must be a non-empty list of values, got {value!r}")
    return options


def _token(value) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


def option_argv(options: dict) -> list[str]:
    """``--key value`` pairs (a list value becomes several values, as TrlParser takes them)."""
    argv = []
    for key, value in options.items():
        argv += [f"--{key}", *map(_token, value if isinstance(value, list) else [value])]
    return argv


def plan_runs(args: SweepArgs, out: Path) -> list[Run]:
    """Every combination of the grid, in grid order, each named by its index and settings."""
    grid = _check_options(args.grid, "grid", lists=True)
    _check_options(args.overrides, "overrides", lists=False)
    _check_options(args.eval_overrides, "eval_overrides", lists=False)
    if not grid:
        raise UserError("the sweep has no `grid`: give at least one option with a list of values")
    combos = list(itertools.product(*grid.values()))
    if len(combos) > MAX_RUNS:
        raise UserError(f"the grid makes {len(combos)} runs (at most {MAX_RUNS}): is that what you meant?")
    runs = []
    for i, values in enumerate(combos):
        params = dict(zip(grid, values, strict=True))
        label = "_".join(f"{key}-{_token(value)}" for key, value in params.items())
        name = f"{i:02d}_" + re.sub(r"[^A-Za-z0-9.+_-]", "", label)[:120]
        runs.append(Run(name, params, out / name))
    return runs


def eval_data(args: SweepArgs, run: Run) -> str:
    if args.eval_data:
        return args.eval_data
    from r1zero.core.config import load_yaml_config

    data_dir = run.params.get("data_dir") or args.overrides.get("data_dir") or \
        load_yaml_config(args.grpo_config).get("data_dir")
    if not data_dir:
        raise UserError("no data_dir in the GRPO config or overrides: set eval_data")
    return str(Path(data_dir) / "val.parquet")


def train_argv(args: SweepArgs, run: Run) -> list[str]:
    return ["--config", args.grpo_config, *option_argv(args.overrides), *option_argv(run.params),
            "--output_dir", str(run.train_dir), "--run_name", f"{args.name}/{run.name}"]


def eval_argv(args: SweepArgs, run: Run) -> list[str]:
    return ["--config", args.eval_config, *option_argv(args.eval_overrides), "--run_dir", str(run.train_dir),
            "--ckpt", "final", "--data", eval_data(args, run), "--output_dir", str(run.eval_dir)]


def wandb_env(args: SweepArgs, run: Run) -> dict[str, str]:
    return {"WANDB_RUN_GROUP": args.name, "WANDB_NAME": f"{args.name}/{run.name}"}


# ----------------------------------------------------------------------------------- status on disk

def last_error(log: Path) -> str:
    """The last line of ``log`` that reports an error, else the exit status the sweep noted there."""
    if not log.is_file():
        return ""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    errors = [line for line in lines if ERROR_RE.search(line)]
    exits = [line for line in lines if line.startswith(EXIT_MARK)]
    return (errors or exits or [""])[-1][:300]


def run_status(run: Run) -> dict:
    """What the run folder says: ok (evaluated), eval failed, train failed, or not finished."""
    from r1zero.core.artifacts import read_manifest

    trained = bool((read_manifest(run.train_dir) or {}).get("complete")) and (run.train_dir / "final").is_dir()
    train_log, eval_log = run.folder / "train.log", run.folder / "eval.log"
    if (run.eval_dir / "summary.json").is_file() and trained:
        status, error = "ok", ""
    elif eval_log.is_file():  # the eval starts only after a successful training
        status, error = "eval failed", last_error(eval_log) or "no error line: see eval.log"
    elif not trained and train_log.is_file() and last_error(train_log):
        status, error = "train failed", last_error(train_log)
    else:
        status, error = "not finished", ""
    return {"name": run.name, "params": run.params, "status": status, "error": error,
            "train_dir": str(run.train_dir), "eval_dir": str(run.eval_dir), "folder": str(run.folder)}


def write_sweep_file(args: SweepArgs, out: Path, runs: list[Run], extra: dict | None = None) -> list[dict]:
    from r1zero.core.artifacts import atomic_write_json, to_jsonable

    entries = [run_status(r) for r in runs]
    atomic_write_json(out / "sweep.json", {"name": args.name, "config": to_jsonable(args), "runs": entries,
                                            **(extra or {})})
    return entries


# ---------------------------------------------------------------------------------- this machine

def visible_gpus() -> list[str]:
    """GPU ids this process may use: CUDA_VISIBLE_DEVICES, else every GPU nvidia-smi lists, else none."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        ids = [g.strip() for g in os.environ["CUDA_VISIBLE_DEVICES"].split(",") if g.strip()]
        return [] if ids in ([], ["-1"]) else ids
    if shutil.which("nvidia-smi") is None:
        return []
    proc = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return [str(i) for i, line in enumerate(proc.stdout.splitlines()) if line.startswith("GPU ")]


def slot_plan(args: SweepArgs, gpus: list[str]) -> list[dict]:
    """The machine split into slots that each run one run at a time: GPUs and ports per slot."""
    if not gpus:
        return [{"index": i, "gpus": [], "env": {}} for i in range(args.cpu_parallel)]
    per_run = args.gpus_per_run + args.vllm_gpus
    if per_run > len(gpus):
        raise UserError(f"a run needs {per_run} GPU(s) (gpus_per_run {args.gpus_per_run} + vllm_gpus {args.vllm_gpus}) "
                        f"but {len(gpus)} are visible")
    from r1zero.core.launch import check_port_free

    slots = []
    for k in range(len(gpus) // per_run):
        env = {"CUDA_VISIBLE_DEVICES": ",".join(gpus[k * per_run:(k + 1) * per_run]),
               "MASTER_PORT": str(args.master_port + k)}
        check_port_free(args.master_port + k, f"MASTER_PORT of sweep slot {k}")
        if args.vllm_gpus:
            env.update(VLLM_GPUS=str(args.vllm_gpus), VLLM_PORT=str(args.vllm_port + k))
            check_port_free(args.vllm_port + k, f"VLLM_PORT of sweep slot {k}")
            check_port_free(args.vllm_group_port + k, f"vllm_group_port of sweep slot {k}")
        slots.append({"index": k, "gpus": gpus[k * per_run:(k + 1) * per_run], "env": env})
    return slots


def train_command(args: SweepArgs, run: Run, slot: dict) -> list[str]:
    if not slot["gpus"]:  # CPU: one plain process
        return [sys.executable, "step3_GRPO/train_trl.py", *train_argv(args, run)]
    mode = ["--server"] if args.vllm_gpus else []
    group = ["--vllm_group_port", str(args.vllm_group_port + slot["index"])] if args.vllm_gpus else []
    return ["bash", "step3_GRPO/launch_trl.sh", *mode, str(args.gpus_per_run), *train_argv(args, run), *group]


def stage(cmd: list[str], log: Path, env: dict) -> int:
    """Run one stage with its output in ``log``; the exit status closes the log when it is not 0."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        rc = subprocess.run(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode
        if rc:
            fh.write(f"{EXIT_MARK} {rc}\n")
    return rc


def execute(args: SweepArgs, run: Run, slot: dict, say) -> None:
    """Train one run in its slot, then evaluate its final checkpoint there."""
    env = {**os.environ, **slot["env"], **wandb_env(args, run), "PYTHON": sys.executable, "PYTHONUNBUFFERED": "1"}
    where = f"GPU(s) {','.join(slot['gpus'])}" if slot["gpus"] else "CPU"
    say(f"{run.name}: training on {where} (log {run.folder / 'train.log'})")
    start = time.perf_counter()
    if stage(train_command(args, run, slot), run.folder / "train.log", env):
        say(f"{run.name}: training FAILED after {time.perf_counter() - start:.0f} s: {last_error(run.folder / 'train.log')}")
        return
    if slot["gpus"]:
        env["CUDA_VISIBLE_DEVICES"] = slot["gpus"][0]
    rc = stage([sys.executable, "step4_eval/evaluate.py", *eval_argv(args, run)], run.folder / "eval.log", env)
    outcome = f"eval FAILED: {last_error(run.folder / 'eval.log')}" if rc else "trained and evaluated"
    say(f"{run.name}: {outcome} in {time.perf_counter() - start:.0f} s")


def run_local(args: SweepArgs, runs: list[Run]) -> None:
    """Every run through the slots of this machine, one at a time per slot."""
    slots = slot_plan(args, visible_gpus())
    todo: queue.Queue[Run] = queue.Queue()
    for run in runs:
        todo.put(run)
    lock, done = threading.Lock(), [0]
    print(f"[sweep] {args.name}: {len(runs)} runs over {len(slots)} slot(s) "
          f"({'GPUs ' + ' | '.join(','.join(s['gpus']) for s in slots) if slots[0]['gpus'] else 'CPU'})", flush=True)

    def say(message: str) -> None:
        with lock:
            print(f"[sweep] {message}", flush=True)

    def worker(slot):
        while True:
            try:
                run = todo.get_nowait()
            except queue.Empty:
                return
            execute(args, run, slot, say)
            with lock:
                done[0] += 1
                print(f"[sweep] {done[0]}/{len(runs)} runs done", flush=True)

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ------------------------------------------------------------------------------------------ SLURM

def sbatch(options: list[str], stage_args: list[str], env: dict) -> str:
    cmd = ["sbatch", "--parsable", *options, "slurm/stage.sbatch", *stage_args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise UserError(f"sbatch failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1]}")
    return proc.stdout.strip().split(";")[0]


def submit_slurm(args: SweepArgs, runs: list[Run], argv: list[str]) -> dict:
    """Per run a training job and an eval job after it, then one report job after them all."""
    import shlex

    if shutil.which("sbatch") is None:
        raise UserError("--backend slurm needs sbatch on PATH (run it on the cluster's login node)")
    extra = shlex.split(args.slurm_args)
    jobs = {}
    for run in runs:
        run.folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **wandb_env(args, run), "PYTHON": sys.executable}
        if args.vllm_gpus:
            env["VLLM_GPUS"] = str(args.vllm_gpus)
        train = sbatch(["--job-name", f"{args.name}-{run.name}", "--output", str(run.folder / "train.log"), *extra],
                       ["grpo", *train_argv(args, run)], env)
        evaluate = sbatch(["--job-name", f"{args.name}-{run.name}-eval", "--output", str(run.folder / "eval.log"),
                           "--dependency", f"afterok:{train}", "--kill-on-invalid-dep=yes", *extra],
                          ["step4_eval/evaluate.py", *eval_argv(args, run)], env)
        jobs[run.name] = {"train": train, "eval": evaluate}
        print(f"[sweep] {run.name}: training job {train}, eval job {evaluate}", flush=True)
    after = ":".join(j for pair in jobs.values() for j in pair.values())
    out = runs[0].folder.parent
    report = sbatch(["--job-name", f"{args.name}-report", "--output", str(out / "report.log"),
                     "--dependency", f"afterany:{after}"], ["runs/sweep.py", *argv, "--report_only", "true"],
                    {**os.environ, "PYTHON": sys.executable})
    print(f"[sweep] report job {report} writes {out / 'runs.md'} when every run has ended", flush=True)
    return {"slurm_jobs": jobs, "slurm_report_job": report}


# ------------------------------------------------------------------------------------------- main

def main(argv=None) -> list[dict]:
    from r1zero.core.config import parse_args
    from r1zero.core.locks import hold_output_dir
    from step4_eval.compare_runs import write_report

    argv = list(sys.argv[1:] if argv is None else argv)
    (args,) = parse_args([SweepArgs], argv)
    out = Path(args.out_dir or f"outputs/sweeps/{args.name}")
    runs = plan_runs(args, out)
    if args.backend == "slurm" and not args.report_only:
        with hold_output_dir(out, "sweep"):
            jobs = submit_slurm(args, runs, argv)
            return write_sweep_file(args, out, runs, jobs)
    with hold_output_dir(out, "sweep"):
        if not args.report_only:
            write_sweep_file(args, out, runs)
            run_local(args, runs)
        entries = write_sweep_file(args, out, runs)
        rows, written = write_report(entries, out, title=f"sweep {args.name}")
    print("\n" + (out / "runs.md").read_text() + f"\nwrote {', '.join(map(str, written))}", flush=True)
    failed = [e for e in entries if e["status"] != "ok"]
    if failed:
        fail(f"{len(failed)} of {len(entries)} runs did not finish ({failed[0]['name']}: {failed[0]['status']}"
             f"{': ' + failed[0]['error'] if failed[0]['error'] else ''}); the others are compared in "
             f"{out / 'runs.md'}", code=1)
    return entries


if __name__ == "__main__":
    run_cli(main)
