"""slurm/stage.sbatch and the sweep's SLURM backend on a real single-node SLURM (tests/helpers/slurm_cluster.sh).

Needs root and Debian's slurmctld, slurmd, slurm-client and munge (.ci/run installs them); where they are
missing every test here is skipped, and says so.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "tests" / "helpers" / "slurm_cluster.sh"
pytestmark = [pytest.mark.slow, pytest.mark.slurm]


def _missing() -> str | None:
    tools = [t for t in ("slurmctld", "slurmd", "munged", "sbatch", "scontrol") if shutil.which(t) is None]
    if tools:
        return f"SLURM not installed ({', '.join(tools)} missing): apt-get install slurmctld slurmd slurm-client munge"
    if os.geteuid() != 0:
        return "a test SLURM needs root"
    return None


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """Environment for sbatch/scontrol against a fresh single-node cluster, stopped afterwards."""
    if (why := _missing()) is not None:
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("slurm")
    proc = subprocess.run(["bash", str(CLUSTER), "start", str(folder)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stderr + (folder / "slurmctld.log").read_text(errors="replace")[-2000:]
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf"), "PYTHON": sys.executable,
           "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "WANDB_MODE": "disabled"}
    yield env
    subprocess.run(["bash", str(CLUSTER), "stop", str(folder)], timeout=60)


def sbatch(env, *args) -> str:
    proc = subprocess.run(["sbatch", "--parsable", *args], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().split(";")[0]


def job(env, job_id) -> dict:
    """scontrol's fields of one job (JobState, Restarts, ExitCode, ...)."""
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], env=env, capture_output=True, text=True).stdout
    return dict(part.split("=", 1) for part in out.split() if "=" in part)


def wait(env, job_id, timeout=400, until=("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL")) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = job(env, job_id)
        if info.get("JobState") in until:
            return info
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {job(env, job_id).get('JobState')} after {timeout} s")


def start_now(env, job_id) -> None:
    """Start a requeued job without SLURM's 2-minute hold. slurmd refuses a credential made in the same second
    as the requeue revoked the last one ("Job credential revoked": it compares whole seconds), so the start
    waits for the next second."""
    time.sleep(1.1)
    subprocess.run(["scontrol", "update", f"JobId={job_id}", "StartTime=now"], env=env, check=True)


def submit_sft(slurm, model, tmp_path, name: str, *extra) -> str:
    """A 2-process SFT job of the demo config on toy data into tmp_path/sft, logging to tmp_path/sft-<id>.out."""
    data = write_toy_dataset(tmp_path / "data", n_train=48, n_val=4)
    return sbatch({**slurm, "CPU_PROCS": "2"}, "--job-name", name, "--output", str(tmp_path / "sft-%j.out"),
                  "slurm/stage.sbatch", "sft", "--config", "config/demo/sft.yaml", "--model_name_or_path", str(model),
                  "--data_dir", str(data), "--output_dir", str(tmp_path / "sft"), "--per_device_train_batch_size",
                  "4", "--logging_steps", "1", "--report_to", "none", *extra)


def test_two_process_sft_job_is_requeued_and_resumes(slurm, tiny_model_dir, tmp_path):
    out = tmp_path / "sft"
    job_id = submit_sft(slurm, tiny_model_dir, tmp_path, "sft-test", "--max_steps", "6", "--save_strategy", "steps",
                        "--save_steps", "2")
    # preempt it once a checkpoint exists: SLURM stops the job and queues it again from the top
    deadline = time.time() + 300
    while not (out / "checkpoint-2" / "trainer_state.json").is_file() and time.time() < deadline:
        assert job(slurm, job_id).get("JobState") in ("PENDING", "RUNNING"), (tmp_path / f"sft-{job_id}.out").read_text()
        time.sleep(0.2)
    subprocess.run(["scontrol", "requeue", job_id], env=slurm, check=True)
    wait(slurm, job_id, until=("PENDING",), timeout=60)
    start_now(slurm, job_id)
    info = wait(slurm, job_id)
    text = (tmp_path / f"sft-{job_id}.out").read_text(errors="replace")
    assert info["JobState"] == "COMPLETED" and info["Restarts"] == "1", text[-3000:]
    # the rendezvous came from SLURM's environment, and the second start resumed instead of restarting
    assert f"[slurm] job {job_id} (restart 0) on " in text and "1 node(s) x 2 CPU process(s)" in text
    assert f"[slurm] job {job_id} (restart 1) on " in text
    assert f"W&B run sft-test-{job_id} (slurm-r1zero-test-{job_id})" in text  # one W&B run across the requeue
    resumed = [line for line in text.splitlines() if "step2_sft: resuming from" in line]
    assert resumed and all(line.split("resuming from ")[1].startswith(str(out / "checkpoint-")) for line in resumed)
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 6 and state["log_history"][-1]["epoch"] == pytest.approx(6 * 8 / 48)
    assert (out / "final" / "model.safetensors").is_file()


def test_usr1_before_the_time_limit_saves_requeues_and_resumes(slurm, tiny_model_dir, tmp_path):
    """What --signal=B:USR1@300 does near the time limit, sent by hand: the batch shell passes USR1 to the
    step, both ranks save the step they are at (periodic saves off) and exit 75, the job is requeued and the
    second start resumes from that checkpoint to max_steps."""
    out = tmp_path / "sft"
    job_id = submit_sft(slurm, tiny_model_dir, tmp_path, "sft-usr1", "--max_steps", "200", "--save_strategy", "no")
    text_of = lambda: (tmp_path / f"sft-{job_id}.out").read_text(errors="replace") if (tmp_path / f"sft-{job_id}.out").exists() else ""  # noqa: E731
    deadline = time.time() + 300
    while "'loss'" not in text_of() and time.time() < deadline:  # training is under way
        assert job(slurm, job_id).get("JobState") in ("PENDING", "RUNNING"), text_of()[-3000:]
        time.sleep(0.2)
    # 200 steps leave the signal time to arrive while training runs, on a loaded machine too
    subprocess.run(["scancel", "--batch", "--signal=USR1", job_id], env=slurm, check=True)
    wait(slurm, job_id, until=("PENDING",), timeout=120)
    start_now(slurm, job_id)
    info = wait(slurm, job_id)
    text = text_of()
    assert info["JobState"] == "COMPLETED" and info["Restarts"] == "1", text[-3000:]
    assert "[slurm] USR1: the time limit is near" in text and "[slurm] stopped (exit status 75): requeueing" in text
    saved = [p.name for p in out.glob("checkpoint-*")]
    assert len(saved) == 1, saved  # the one the stop saved: periodic saves are off
    step = int(saved[0].split("-")[1])
    assert 0 < step < 200 and f"step2_sft: resuming from {out / saved[0]}" in text
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 200 and [h["step"] for h in state["log_history"] if "loss" in h] == list(range(1, 201))
    assert (out / "final" / "model.safetensors").is_file()


def test_sweep_submits_a_training_and_an_eval_job_per_run_then_a_report(slurm, tmp_path):
    """The job graph only (runs/sweep.py's local path runs the same commands for real in test_sweep.py): the
    partition is down, so the jobs wait and are read back from scontrol, then cancelled."""
    out = tmp_path / "sweep"
    config = {"name": "slurm-test", "grpo_config": "config/demo/grpo.yaml", "out_dir": str(out), "backend": "slurm",
              "grid": {"loss_type": ["grpo", "dr_grpo"]}, "overrides": {"data_dir": str(tmp_path / "data")},
              "eval_config": "config/demo/eval.yaml", "slurm_args": "--time 00:30:00"}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    subprocess.run(["scontrol", "update", "PartitionName=debug", "State=DOWN"], env=slurm, check=True)
    try:
        proc = subprocess.run([sys.executable, "runs/sweep.py", "--config", str(path)], cwd=REPO, env=slurm,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        submitted = json.loads((out / "sweep.json").read_text())
        assert [r["status"] for r in submitted["runs"]] == ["not finished", "not finished"]
        jobs = submitted["slurm_jobs"]
        for name, ids in jobs.items():
            train, evaluate = job(slurm, ids["train"]), job(slurm, ids["eval"])
            assert train["JobName"] == f"slurm-test-{name}" and train["StdOut"] == str(out / name / "train.log")
            assert train["TimeLimit"] == "00:30:00" and train["Command"] == str(REPO / "slurm" / "stage.sbatch")
            assert evaluate["Dependency"] == f"afterok:{ids['train']}(unfulfilled)"
            assert evaluate["StdOut"] == str(out / name / "eval.log")
        report = job(slurm, submitted["slurm_report_job"])
        waits_for = sorted(re.findall(r"afterany:(\d+)", report["Dependency"]))
        assert waits_for == sorted(i for ids in jobs.values() for i in ids.values())
        assert report["StdOut"] == str(out / "report.log")
    finally:
        record = json.loads((out / "sweep.json").read_text()) if (out / "sweep.json").is_file() else {}
        ids = [i for pair in record.get("slurm_jobs", {}).values() for i in pair.values()]
        subprocess.run(["scancel", *ids, *([record["slurm_report_job"]] if "slurm_report_job" in record else [])],
                       env=slurm)
        subprocess.run(["scontrol", "update", "PartitionName=debug", "State=UP"], env=slurm, check=True)
