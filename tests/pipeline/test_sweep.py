"""runs/sweep.py: the grid, slots of GPUs and ports, and a real 2 x 2 sweep on CPU with one failing run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from run_scripts import load_run_script

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]


sweep = load_run_script("sweep")


def _args(**kw):
    return sweep.SweepArgs(**{"name": "s", "grid": {"learning_rate": [1e-6, 3e-6], "loss_type": ["grpo", "dapo"]},
                              **kw})


def test_grid_makes_one_named_run_per_combination(tmp_path):
    runs = sweep.plan_runs(_args(), tmp_path)
    assert [r.name for r in runs] == ["00_learning_rate-1e-06_loss_type-grpo", "01_learning_rate-1e-06_loss_type-dapo",
                                      "02_learning_rate-3e-06_loss_type-grpo", "03_learning_rate-3e-06_loss_type-dapo"]
    args = _args(overrides={"max_steps": 5, "reward_funcs": ["r1_zero_format", "r1_zero_answer"], "bf16": True})
    argv = sweep.train_argv(args, sweep.plan_runs(args, tmp_path)[3])
    assert argv == ["--config", "config/grpo_config.yaml", "--max_steps", "5", "--reward_funcs", "r1_zero_format",
                    "r1_zero_answer", "--bf16", "true", "--learning_rate", "3e-06", "--loss_type", "dapo",
                    "--output_dir", str(tmp_path / "03_learning_rate-3e-06_loss_type-dapo" / "grpo"),
                    "--run_name", "s/03_learning_rate-3e-06_loss_type-dapo"]
    assert sweep.wandb_env(args, sweep.plan_runs(args, tmp_path)[0]) == {
        "WANDB_RUN_GROUP": "s", "WANDB_NAME": "s/00_learning_rate-1e-06_loss_type-grpo"}


@pytest.mark.parametrize("kw,message", [
    ({"grid": {}}, "no `grid`"),
    ({"grid": {"learning_rate": []}}, "grid.learning_rate` must be a non-empty list"),
    ({"grid": {"output_dir": ["a", "b"]}}, "may not set output_dir"),
    ({"grid": {"Bad-Key": [1]}}, "not an option name"),
    ({"grid": {"seed": list(range(300))}}, "makes 300 runs"),
    ({"overrides": ["max_steps", 5]}, "`overrides` must be a mapping"),
])
def test_bad_grids_are_one_line(tmp_path, kw, message):
    with pytest.raises(UserError, match=message):
        sweep.plan_runs(_args(**kw), tmp_path)


def test_gpus_split_into_slots_with_their_own_ports(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5,6,7")
    slots = sweep.slot_plan(_args(gpus_per_run=1, vllm_gpus=1, master_port=29611, vllm_port=8111,
                                  vllm_group_port=51311), sweep.visible_gpus())
    assert [s["gpus"] for s in slots] == [["0", "1"], ["2", "3"], ["4", "5"], ["6", "7"]]
    assert slots[2]["env"] == {"CUDA_VISIBLE_DEVICES": "4,5", "MASTER_PORT": "29613", "VLLM_GPUS": "1",
                               "VLLM_PORT": "8113"}
    run = sweep.plan_runs(_args(), tmp_path)[0]
    cmd = sweep.train_command(_args(vllm_gpus=1), run, slots[2])
    assert cmd[:4] == ["bash", "step3_GRPO/launch_trl.sh", "--server", "1"]
    assert cmd[-2:] == ["--vllm_group_port", "51302"]  # the default base + slot 2
    with pytest.raises(UserError, match="a run needs 3 GPU"):
        sweep.slot_plan(_args(gpus_per_run=2, vllm_gpus=1), ["0", "1"])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert sweep.visible_gpus() == [] and len(sweep.slot_plan(_args(cpu_parallel=2), [])) == 2


def test_gpu_slots_run_their_runs_with_their_own_gpus_and_ports(tmp_path):
    """Four GPUs, runs of 1 vLLM + 1 training GPU: two slots. The launchers only print their commands
    (DRY_RUN), so no checkpoint appears and every eval fails: marked, reported, exit 1."""
    out = tmp_path / "sweep"
    config = {"name": "gpu-dry", "out_dir": str(out), "grid": {"seed": [1, 2, 3]}, "gpus_per_run": 1, "vllm_gpus": 1,
              "master_port": _free_port(), "vllm_port": _free_port(), "vllm_group_port": _free_port(),
              "eval_data": str(tmp_path / "val.parquet")}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = subprocess.run([sys.executable, "runs/sweep.py", "--config", str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO), "DRY_RUN": "1",
                                                       "CUDA_VISIBLE_DEVICES": "0,1,2,3"})
    assert proc.returncode == 1 and "3 of 3 runs did not finish" in proc.stderr, proc.stdout + proc.stderr
    assert "3 runs over 2 slot(s) (GPUs 0,1 | 2,3)" in proc.stdout
    slots = {0: ("0", "1", config["vllm_port"], config["vllm_group_port"], config["master_port"]),
             1: ("2", "3", config["vllm_port"] + 1, config["vllm_group_port"] + 1, config["master_port"] + 1)}
    used = set()
    for run in json.loads((out / "sweep.json").read_text())["runs"]:
        assert run["status"] == "eval failed" and "unknown checkpoint 'final'" in run["error"]
        log = (Path(run["folder"]) / "train.log").read_text()
        slot = next(k for k, (vllm, *_rest) in slots.items() if f"CUDA_VISIBLE_DEVICES={vllm} trl vllm-serve" in log)
        vllm, train, port, group, _master = slots[slot]
        assert f"--host 127.0.0.1 --port {port}" in log and f"training on GPU(s) {train}" in log
        assert f"--vllm_server_port {port} --vllm_server_gpus 1" in log and f"--vllm_group_port {group}" in log
        assert f"--run_name gpu-dry/{run['name']}" in log
        accelerate = next(line for line in log.splitlines() if line.startswith("accelerate launch"))
        assert accelerate.count("--config ") == 1  # the launcher took the sweep's --config as its CONFIG
        used.add(slot)
    assert used == {0, 1}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_2x2_sweep_on_cpu_compares_the_runs_and_marks_the_failed_one(tiny_model_dir, tmp_path):
    data = write_toy_dataset(tmp_path / "data", n_train=24, n_val=6)
    out = tmp_path / "sweep"
    config = {
        "name": "cpu-test", "grpo_config": "config/demo/grpo.yaml", "out_dir": str(out), "cpu_parallel": 2,
        # batch 6 with groups of 4 cannot be split into groups: that run fails, the other three go on
        "grid": {"per_device_train_batch_size": [4, 6], "num_generations": [2, 4]},
        "overrides": {"model_name_or_path": str(tiny_model_dir), "data_dir": str(data), "max_steps": 1,
                      "max_completion_length": 8, "eval_every_steps": 0, "preflight": False, "logging_steps": 1,
                      "report_to": "none"},
        "eval_config": "config/demo/eval.yaml", "eval_overrides": {"limit": 6, "num_samples": 1, "max_tokens": 8},
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = subprocess.run([sys.executable, "runs/sweep.py", "--config", str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    failed = "03_per_device_train_batch_size-6_num_generations-4"
    assert proc.stderr.strip() == (f"error: 1 of 4 runs did not finish ({failed}: train failed: error: "
                                   "generation_batch_size (6) must be divisible by num_generations (4).); the "
                                   f"others are compared in {out / 'runs.md'}")
    runs = json.loads((out / "sweep.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["ok", "ok", "ok", "train failed"]
    for run in runs[:3]:
        summary = json.loads((Path(run["eval_dir"]) / "summary.json").read_text())
        assert summary["total"] == 6 and summary["checkpoint"] == "final"
        manifest = json.loads((Path(run["train_dir"]) / "manifest.json").read_text())
        assert manifest["config"]["training"]["run_name"] == f"cpu-test/{run['name']}"  # the W&B run name
    table = (out / "runs.md").read_text().splitlines()
    assert len(table) == 6 and table[0].startswith("| run | per_device_train_batch_size | num_generations | status |")
    assert f"| {failed} | 6 | 4 | train failed | - |" in table[5]
    assert all("| ok |" in row and "%" in row for row in table[2:5])
    assert (out / "runs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "runs.csv").read_text().count("\n") == 5
