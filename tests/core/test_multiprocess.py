"""Real multi-process runs on CPU (gloo): launch_trl.sh / launch_sft.sh with 2 processes, two "machines" on
one host, and the rank contracts: both ranks work, metrics are gathered, only rank 0 writes the run's
files, every rank ends with the same weights (those saved, not the start model's), the in-training eval
covers each val problem once, and a 2-process run resumes from a checkpoint.

Each process imports torch, transformers and TRL (and vLLM when installed) on its own, so a launch costs
some 15-30 s of start-up on 2 cores before its first step.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from r1zero.evaluation.records import read_generations
from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / "tests" / "helpers" / "rank_audit"
pytestmark = pytest.mark.slow
_spec = importlib.util.spec_from_file_location("rank_weights", AUDIT / "rank_weights.py")
rank_weights = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rank_weights)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(script, args, *, audit_dir, timeout=300, **env):
    """Start a launcher (bash script) on CPU with the rank audit on; returns the Popen (output in a pipe)."""
    env = {**os.environ, "CPU": "1", "PYTHON": sys.executable, "RANK_AUDIT_DIR": str(audit_dir),
           "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", **env}
    return subprocess.Popen(["bash", script, *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(proc, timeout=300):
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-4000:]
    return out


def writes(audit_dir, rank, under):
    """(event, path relative to ``under``) for what ``rank`` wrote inside ``under``."""
    path = Path(audit_dir) / f"rank{rank}.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    root = str(Path(under).resolve())
    return {(e["event"], os.path.relpath(e["path"], root)) for e in events
            if e["path"] == root or e["path"].startswith(root + os.sep)}


def only_folders(events) -> bool:
    """Rank > 0 may make the folders it shares (output_dir, checkpoint-N for its own RNG state) and nothing else."""
    return all(event == "os.mkdir" and (path == "." or path.startswith("checkpoint-")) for event, path in events)


def weights_of_ranks(audit_dir) -> list[str]:
    """The fingerprint of each rank's weights at the end of its last training (rank_audit's weights<R>.jsonl)."""
    files = sorted(Path(audit_dir).glob("weights*.jsonl"))
    return [json.loads(f.read_text().splitlines()[-1])["sha256"] for f in files]


def weights_in(model_dir) -> str:
    from transformers import AutoModelForCausalLM

    return rank_weights.fingerprint(AutoModelForCausalLM.from_pretrained(model_dir))


def thinking_bias(model_dir) -> str:
    """GRPOConfig generation_kwargs that make the tiny random model write ' </think>' in some rollouts: it earns
    grail_thinking's reward there, so advantages are not all 0 (r1_zero gives its text 0) and the weights move."""
    from transformers import AutoTokenizer

    ids = AutoTokenizer.from_pretrained(model_dir)(" </think>", add_special_tokens=False)["input_ids"]
    return json.dumps({"sequence_bias": [[ids[:1], 4.0], *([ids[:n], 30.0] for n in range(2, len(ids) + 1))]})


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("mp_data"), n_train=48, n_val=7)  # 7: an uneven split


def test_grpo_two_processes_then_two_machines_resume(tiny_model_dir, toy_data, tmp_path):
    out = tmp_path / "grpo"
    common = ["--model_name_or_path", str(tiny_model_dir), "--data_dir", str(toy_data), "--output_dir", str(out),
              "--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "16",
              "--save_steps", "2", "--logging_steps", "1", "--eval_every_steps", "2", "--eval_samples", "7",
              "--eval_max_new_tokens", "8", "--preflight", "false", "--report_to", "none", "--ddp_timeout", "60",
              "--reward_funcs", "r1_zero", "grail_thinking", "--generation_kwargs", thinking_bias(tiny_model_dir)]
    cfg = {"CONFIG": "config/demo/grpo.yaml"}

    # 1. launch_trl.sh 2: two processes on this machine
    audit1 = tmp_path / "audit1"
    finish(launch("step3_GRPO/launch_trl.sh", ["2", *common, "--max_steps", "2"], audit_dir=audit1,
                  MASTER_PORT=str(free_port()), **cfg))
    assert {p.name for p in audit1.glob("rank*")} == {"rank0.jsonl", "rank1.jsonl"}  # two ranks ran
    step1 = pd.read_parquet(out / "completions" / "completions_00001.parquet")
    # both ranks generated and their completions and rewards were gathered: 2 x 8 rows, 4 prompts x 4
    assert len(step1) == 16 and step1["prompt"].value_counts().tolist() == [4, 4, 4, 4]
    assert step1["r1_zero"].notna().all() and set(step1["grail_thinking"]) == {0.0, 1.0}
    evals = pd.DataFrame(read_generations(out / "eval" / "step_00002" / "generations.jsonl")[0])
    val_ids = pd.read_parquet(toy_data / "val.parquet")["id"]
    assert sorted(evals["id"]) == sorted(val_ids)  # every val problem once, over an uneven 4 + 3 split
    ckpt = out / "checkpoint-2"
    assert (ckpt / "rng_state_0.pth").is_file() and (ckpt / "rng_state_1.pth").is_file()
    assert json.loads((out / "manifest.json").read_text())["world_size"] == 2
    # the audit files exist because both ranks found tests/helpers/rank_audit on the PYTHONPATH they inherited
    wrote0 = writes(audit1, 0, out)
    # (TRL writes the completions parquet itself, from Arrow's C++ where no audit hook sees it)
    assert {("os.rename", "eval/step_00002/generations.jsonl"), ("os.rename", "manifest.json"),
            ("open", ".run.lock")} <= wrote0  # the audit sees rank 0's writes...
    assert only_folders(writes(audit1, 1, out)), writes(audit1, 1, out)  # ...and rank 1 writes none
    # the ranks end with the same weights: the trained ones rank 0 saved
    after_two = weights_in(out / "final")
    assert weights_of_ranks(audit1) == [after_two, after_two] and after_two != weights_in(tiny_model_dir)

    # 2. the same run continued on two "machines" (1 process each) that meet at 127.0.0.1
    audit2 = tmp_path / "audit2"
    nodes = {"NNODES": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "RDZV_TIMEOUT": "120", **cfg}
    procs = [launch("step3_GRPO/launch_trl.sh", ["1", *common, "--max_steps", "3"], audit_dir=audit2,
                    NODE_RANK=str(rank), **nodes) for rank in (0, 1)]
    logs = [finish(p) for p in procs]
    assert f"resuming from {out / 'checkpoint-2'}" in logs[0]
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    assert [h["step"] for h in state["log_history"] if "loss" in h] == [1, 2, 3]  # resumed, not restarted
    step3 = pd.read_parquet(out / "completions" / "completions_00003.parquet")
    assert len(step3) == 16  # gathered across the two machines
    assert ("os.rename", "manifest.json") in writes(audit2, 0, out)
    assert only_folders(writes(audit2, 1, out)), writes(audit2, 1, out)
    after_three = weights_in(out / "final")
    assert weights_of_ranks(audit2) == [after_three, after_three] and after_three != after_two


def test_sft_two_processes(tiny_model_dir, toy_data, tmp_path):
    out, audit = tmp_path / "sft", tmp_path / "audit"
    args = ["2", "--model_name_or_path", str(tiny_model_dir), "--data_dir", str(toy_data), "--output_dir", str(out),
            "--max_steps", "2", "--per_device_train_batch_size", "4", "--save_strategy", "steps", "--save_steps", "2",
            "--logging_steps", "1", "--report_to", "none"]
    finish(launch("step2_sft/launch_sft.sh", args, audit_dir=audit, CONFIG="config/demo/sft.yaml",
                  MASTER_PORT=str(free_port())))
    state = json.loads((out / "trainer_state.json").read_text())
    # data parallel: each step consumed 2 processes x 4 rows, so 2 steps cover 16 of the 48 rows
    assert state["global_step"] == 2 and state["log_history"][-1]["epoch"] == pytest.approx(16 / 48)
    assert (out / "final" / "model.safetensors").is_file()
    assert (out / "checkpoint-2" / "rng_state_1.pth").is_file()
    assert ("os.rename", "manifest.json") in writes(audit, 0, out)
    assert only_folders(writes(audit, 1, out)), writes(audit, 1, out)
    trained = weights_in(out / "final")
    assert weights_of_ranks(audit) == [trained, trained] and trained != weights_in(tiny_model_dir)
