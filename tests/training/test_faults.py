"""Faults in real training (tiny model, toy data, CPU): a stop signal saves the current step and exits 75, and
the rerun resumes from it; a non-finite loss or gradient norm stops the run before that step is saved.

Faults arrive at a known step through the test-only hook R1ZERO_TEST_FAULT (r1zero.training.faults): the
process sends SIGTERM to itself at the end of step k, or its loss or gradients turn NaN at step k.
"""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1zero.core.errors import EXIT_PEER_LOST, EXIT_STOPPED, Stopped, TrainingFault, UserError, run_cli
from r1zero.testing.toy_data import write_toy_dataset
from r1zero.training.faults import parse_test_fault

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / "tests" / "helpers" / "rank_audit"


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("faults_data"), n_train=48, n_val=8)


def grpo_args(model, data, out):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), "--eval_every_steps", "0", "--preflight", "false",
            "--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "16",
            "--logging_steps", "1", "--report_to", "none"]


def sft_args(model, data, out):
    return ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), "--per_device_train_batch_size", "4", "--logging_steps", "1",
            "--report_to", "none"]


def run_script(script, args, fault=None, **env):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO), **env}
    env.pop("R1ZERO_TEST_FAULT", None)
    if fault:
        env["R1ZERO_TEST_FAULT"] = fault
    return subprocess.run([sys.executable, script, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


def logged_steps(out):
    state = json.loads((Path(out) / "trainer_state.json").read_text())
    return state["global_step"], [h["step"] for h in state["log_history"] if "loss" in h]


def stopped_line(stderr):
    return [line[line.index("stopped: "):] for line in stderr.splitlines() if "stopped: " in line]


def test_one_line_and_exit_status_per_outcome(capsys):
    def raises(exc):
        def main():
            raise exc
        return main

    for exc, code in ((Stopped("saved x"), EXIT_STOPPED), (TrainingFault("step 3: not finite"), 1)):
        with pytest.raises(SystemExit) as exit_:
            run_cli(raises(exc))
        assert exit_.value.code == code
        assert capsys.readouterr().err.strip().splitlines() == [
            "stopped: saved x" if code == EXIT_STOPPED else "error: step 3: not finite"]
    assert parse_test_fault("sigterm:3:1") == ("sigterm", 3, 1) and parse_test_fault("nanloss:2")[2] is None
    assert parse_test_fault("sigkill:2:1") == ("sigkill", 2, 1)
    with pytest.raises(UserError, match="KIND:STEP"):
        parse_test_fault("sigstop:3")


@pytest.mark.slow
def test_grpo_sigterm_saves_the_step_and_the_rerun_finishes(tiny_model_dir, toy_data, tmp_path, caplog):
    from step3_GRPO.train_trl import main

    out = tmp_path / "grpo"
    args = grpo_args(tiny_model_dir, toy_data, out) + ["--save_strategy", "no", "--max_steps", "4"]
    first = run_script("step3_GRPO/train_trl.py", args, fault="sigterm:2")
    assert first.returncode == EXIT_STOPPED, first.stderr[-3000:]
    assert len(stopped_line(first.stderr)) == 1 and "checkpoint-2 (step 2 of 4)" in first.stderr
    assert [p.name for p in out.glob("checkpoint-*")] == ["checkpoint-2"]  # saved though save_strategy is no
    assert json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())["global_step"] == 2
    assert not (out / "final").exists()  # not finished: no final/, no complete manifest
    assert not json.loads((out / "manifest.json").read_text()).get("complete") if (out / "manifest.json").exists() \
        else True

    caplog.set_level("INFO", logger="step3_GRPO")
    result = main(args)
    assert f"resuming from {out / 'checkpoint-2'}" in caplog.text
    assert result.state.global_step == 4 and (out / "final" / "config.json").is_file()
    assert logged_steps(out) == (4, [1, 2, 3, 4])  # steps 1-2 from the checkpoint: nothing lost, none twice


@pytest.mark.slow
def test_sft_sigterm_saves_the_step_and_the_rerun_finishes(tiny_model_dir, toy_data, tmp_path):
    out = tmp_path / "sft"
    args = sft_args(tiny_model_dir, toy_data, out) + ["--save_strategy", "no", "--max_steps", "4"]
    first = run_script("step2_sft/train_sft.py", args, fault="sigterm:3")
    assert first.returncode == EXIT_STOPPED, first.stderr[-3000:]
    assert len(stopped_line(first.stderr)) == 1 and "checkpoint-3 (step 3 of 4)" in first.stderr
    assert [p.name for p in out.glob("checkpoint-*")] == ["checkpoint-3"] and not (out / "final").exists()

    second = run_script("step2_sft/train_sft.py", args)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"resuming from {out / 'checkpoint-3'}" in second.stderr + second.stdout
    assert logged_steps(out) == (4, [1, 2, 3, 4]) and (out / "final" / "config.json").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["nanloss:3", "nangrad:3"])
def test_non_finite_step_is_never_saved(tiny_model_dir, toy_data, tmp_path, monkeypatch, fault):
    from step2_sft.train_sft import main

    out = tmp_path / "sft"
    monkeypatch.setenv("R1ZERO_TEST_FAULT", fault)
    with pytest.raises(TrainingFault, match=r"^step 3: the loss or gradient norm is not finite") as err:
        main(sft_args(tiny_model_dir, toy_data, out) + ["--save_strategy", "steps", "--save_steps", "1",
                                                       "--max_steps", "5"])
    assert f"the last good checkpoint is {out / 'checkpoint-2'}" in str(err.value)
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]
    assert all((out / f"checkpoint-{k}" / "trainer_state.json").is_file() for k in (1, 2))
    assert not (out / "final").exists()


def error_lines(stderr):
    """The ``error:`` lines (a progress bar may end without a newline just before one)."""
    return [line[line.index("error: "):] for line in stderr.splitlines() if "error: " in line]


@pytest.mark.slow
def test_huge_learning_rate_stops_before_saving_poisoned_weights(tiny_model_dir, toy_data, tmp_path):
    out = tmp_path / "sft"
    args = sft_args(tiny_model_dir, toy_data, out) + ["--save_strategy", "steps", "--save_steps", "1",
                                                     "--max_steps", "5", "--learning_rate", "1e30"]
    proc = run_script("step2_sft/train_sft.py", args)
    assert proc.returncode == 1, proc.stderr[-3000:]
    errors = error_lines(proc.stderr)
    assert len(errors) == 1 and "the loss or gradient norm is not finite" in errors[0], proc.stderr[-3000:]
    step = int(errors[0].split("step ")[1].split(":")[0])  # the first step whose loss overflows
    assert not (out / f"checkpoint-{step}").exists() and not (out / "final").exists()
    assert sorted(int(p.name.split("-")[1]) for p in out.glob("checkpoint-*")) == list(range(1, step))


@pytest.mark.slow
def test_grpo_non_finite_loss_one_line_exit_1(tiny_model_dir, toy_data, tmp_path):
    out = tmp_path / "grpo"
    args = grpo_args(tiny_model_dir, toy_data, out) + ["--save_steps", "1", "--max_steps", "3"]
    proc = run_script("step3_GRPO/train_trl.py", args, fault="nanloss:2")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert [e.split(":")[1] for e in error_lines(proc.stderr)] == [" step 2"], proc.stderr[-3000:]
    assert [p.name for p in out.glob("checkpoint-*")] == ["checkpoint-1"] and not (out / "final").exists()


# -- two processes (CPU, gloo) through the launcher, the signal to one rank only ------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_grpo(args, audit_dir, fault=None):
    env = {**os.environ, "CPU": "1", "PYTHON": sys.executable, "RANK_AUDIT_DIR": str(audit_dir),
           "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "CONFIG": "config/demo/grpo.yaml", "MASTER_PORT": str(free_port())}
    env.pop("R1ZERO_TEST_FAULT", None)
    if fault:
        env["R1ZERO_TEST_FAULT"] = fault
    return subprocess.run(["bash", "step3_GRPO/launch_trl.sh", "2", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def rank_weights_after_train(audit_dir) -> list[tuple[int, str]]:
    """(global step, weights fingerprint) of each rank at the end of its last ``Trainer.train``."""
    files = sorted(Path(audit_dir).glob("weights*.jsonl"))
    return [tuple(json.loads(f.read_text().splitlines()[-1]).values()) for f in files]


def weights_in(model_dir) -> str:
    from transformers import AutoModelForCausalLM

    spec = importlib.util.spec_from_file_location("rank_weights", AUDIT / "rank_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fingerprint(AutoModelForCausalLM.from_pretrained(model_dir))


def moving_rewards(model_dir) -> list[str]:
    """Rewards and a generation bias under which the tiny random model's weights move (as in
    tests/core/test_multiprocess.py): ' </think>' in some rollouts earns grail_thinking, so advantages are not all 0."""
    from transformers import AutoTokenizer

    ids = AutoTokenizer.from_pretrained(model_dir)(" </think>", add_special_tokens=False)["input_ids"]
    bias = {"sequence_bias": [[ids[:1], 4.0], *([ids[:n], 30.0] for n in range(2, len(ids) + 1))]}
    return ["--reward_funcs", "r1_zero", "grail_thinking", "--generation_kwargs", json.dumps(bias)]


@pytest.mark.slow
def test_two_ranks_stop_together_when_one_gets_the_signal(tiny_model_dir, toy_data, tmp_path):
    out = tmp_path / "grpo"
    args = grpo_args(tiny_model_dir, toy_data, out)[2:] + ["--save_strategy", "no", "--max_steps", "3",
                                                           "--ddp_timeout", "120", *moving_rewards(tiny_model_dir)]
    first = launch_grpo(args, tmp_path / "audit1", fault="sigterm:2:1")  # SIGTERM to rank 1 only, after step 2
    assert first.returncode == EXIT_STOPPED, first.stdout[-3000:] + first.stderr[-3000:]
    assert len(stopped_line(first.stderr)) == 1, first.stderr[-3000:]  # rank 0's, naming the checkpoint
    assert "stopped: a stop signal (on another rank) received, saved" in first.stderr  # rank 0 did not get it: rank 1 did
    ckpt = out / "checkpoint-2"
    assert [p.name for p in out.glob("checkpoint-*")] == [ckpt.name] and not (out / "final").exists()
    assert (ckpt / "rng_state_0.pth").is_file() and (ckpt / "rng_state_1.pth").is_file()
    saved = weights_in(ckpt)
    assert rank_weights_after_train(tmp_path / "audit1") == [(2, saved), (2, saved)]  # same step, same weights
    assert saved != weights_in(tiny_model_dir)

    second = launch_grpo(args, tmp_path / "audit2")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert f"resuming from {ckpt}" in second.stdout + second.stderr
    assert logged_steps(out) == (3, [1, 2, 3])
    final = weights_in(out / "final")
    assert rank_weights_after_train(tmp_path / "audit2") == [(3, final), (3, final)] and final != saved


@pytest.mark.slow
def test_sigterm_to_the_launcher_reaches_the_ranks(tiny_model_dir, toy_data, tmp_path):
    """A scheduler or a user signals the launcher, not the ranks (they run in sessions of their own): it passes
    the signal on, and the ranks save the step they are at instead of being killed by torchrun."""
    import psutil

    out, audit = tmp_path / "grpo", tmp_path / "audit"
    args = grpo_args(tiny_model_dir, toy_data, out)[2:] + ["--save_strategy", "no", "--max_steps", "40",
                                                           "--ddp_timeout", "120"]
    env = {**os.environ, "CPU": "1", "PYTHON": sys.executable, "RANK_AUDIT_DIR": str(audit),
           "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "CONFIG": "config/demo/grpo.yaml", "MASTER_PORT": str(free_port())}
    env.pop("R1ZERO_TEST_FAULT", None)
    proc = subprocess.Popen(["bash", "step3_GRPO/launch_trl.sh", "2", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (out / "completions" / "completions_00001.parquet").is_file() and time.time() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.1)
    launcher = [p for p in psutil.Process(proc.pid).children() if "r1zero.core.launch" in " ".join(p.cmdline())]
    assert len(launcher) == 1
    launcher[0].send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_STOPPED, stdout[-2000:] + stderr[-3000:]
    saved = [p.name for p in out.glob("checkpoint-*")]
    assert len(saved) == 1 and not (out / "final").exists(), saved
    step = int(saved[0].split("-")[1])
    assert 1 <= step < 40
    weights = weights_in(out / saved[0])
    assert rank_weights_after_train(audit) == [(step, weights), (step, weights)]


@pytest.mark.gpu
@pytest.mark.slow
def test_non_finite_step_on_cuda(tiny_model_dir, toy_data, tmp_path, monkeypatch):
    """The flags on the GPU (loss and gradient norm stay tensors there until the step's one check). Skipped
    without a CUDA GPU; not yet run: the session that wrote it had none."""
    from step3_GRPO.train_trl import main

    out = tmp_path / "grpo"
    monkeypatch.setenv("R1ZERO_TEST_FAULT", "nangrad:2")
    with pytest.raises(TrainingFault, match=r"^step 2: "):
        main(grpo_args(tiny_model_dir, toy_data, out) + ["--use_cpu", "false", "--bf16", "true", "--save_steps", "1",
                                                        "--max_steps", "3", "--gpu_memory_gb", "10"])
    assert [p.name for p in out.glob("checkpoint-*")] == ["checkpoint-1"]


# -- a dead rank: the job ends in bounded time, in one line naming it (r1zero/training/peers.py) ---------------

def launch_grpo_async(args, audit_dir, fault=None, **env_extra):
    env = {**os.environ, "CPU": "1", "PYTHON": sys.executable, "RANK_AUDIT_DIR": str(audit_dir),
           "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "CONFIG": "config/demo/grpo.yaml", **env_extra}
    env.pop("R1ZERO_TEST_FAULT", None)
    if fault:
        env["R1ZERO_TEST_FAULT"] = fault
    return subprocess.Popen(["bash", "step3_GRPO/launch_trl.sh", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rank_gone_at(launchers, rank, timeout=300) -> float:
    """When the training process with RANK=``rank`` under one of ``launchers`` (Popen) ends; it must start first."""
    import psutil

    deadline, target = time.time() + timeout, None
    while time.time() < deadline:
        if target is None:
            for launcher in launchers:
                for child in psutil.Process(launcher.pid).children(recursive=True):
                    try:
                        if "train_trl.py" in " ".join(child.cmdline()) and child.environ().get("RANK") == str(rank):
                            target = child
                    except psutil.Error:
                        pass
        elif not target.is_running() or target.status() == psutil.STATUS_ZOMBIE:
            return time.perf_counter()
        assert all(p.poll() is None for p in launchers), "a launcher ended before the rank died"
        time.sleep(0.05)
    raise AssertionError(f"rank {rank} did not start and die within {timeout} s")


def error_line(stderr) -> str:
    errors = error_lines(stderr)
    assert len(errors) == 1, stderr[-4000:]
    return errors[0]


@pytest.mark.slow
def test_a_killed_grpo_rank_ends_the_job_in_one_line(tiny_model_dir, toy_data, tmp_path):
    args = grpo_args(tiny_model_dir, toy_data, tmp_path / "grpo")[2:] + ["--save_strategy", "no", "--max_steps", "4"]
    proc = launch_grpo_async(["2", *args], tmp_path / "audit", fault="sigkill:2:1", MASTER_PORT=str(free_port()))
    killed = rank_gone_at([proc], 1)
    _, stderr = proc.communicate(timeout=120)
    took = time.perf_counter() - killed
    assert proc.returncode == 128 + signal.SIGKILL, stderr[-4000:]
    line = error_line(stderr)
    assert line.startswith("error: rank 1 (local rank 1, pid ") and "was killed by SIGKILL" in line, line
    assert took < 30, took  # torchrun stops rank 0; measured about 5 s
    assert "Traceback" not in stderr, stderr[-4000:]


@pytest.mark.slow
def test_two_machines_a_killed_rank_is_named_by_the_other_in_one_line(tiny_model_dir, toy_data, tmp_path):
    """Machine 1's only rank dies mid-step; machine 0's rank, blocked in the step's collective, names it."""
    args = grpo_args(tiny_model_dir, toy_data, tmp_path / "grpo")[2:] + [
        "--save_strategy", "no", "--max_steps", "4", "--ddp_timeout", "30"]
    nodes = {"NNODES": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "RDZV_TIMEOUT": "120"}
    procs = [launch_grpo_async(["1", *args], tmp_path / "audit", fault="sigkill:2:1", NODE_RANK=str(r), **nodes)
             for r in (0, 1)]
    killed = rank_gone_at(procs, 1)
    (_, err0), (_, err1) = (p.communicate(timeout=120) for p in procs)
    took = time.perf_counter() - killed
    assert procs[1].returncode == 128 + signal.SIGKILL, err1[-4000:]
    assert "error: rank 1 (local rank 0, pid " in error_line(err1) and "machine NODE_RANK=1" in error_line(err1)
    assert procs[0].returncode == EXIT_PEER_LOST, err0[-4000:]
    line = error_line(err0)
    assert line.startswith("error: rank 0 (NODE_RANK=0) lost rank 1 on machine NODE_RANK=1 ("), line
    assert "rerun the same command" in line and "Traceback" not in err0, err0[-4000:]
    assert took < 30 + 15, took  # within ddp_timeout and the heartbeat check; gloo sees the closed connection at once


@pytest.mark.slow
def test_a_frozen_machine_ends_the_job_after_ddp_timeout_on_gloo(tmp_path):
    """A machine that hangs (its connections stay open, so gloo cannot notice) is found by the collective timeout:
    ddp_timeout reaches gloo (transformers passes it to NCCL only), and the survivor names the frozen rank."""
    import psutil

    nodes = {"NNODES": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "RDZV_TIMEOUT": "60"}
    env = {**os.environ, "PYTHONPATH": str(REPO), "CPU": "1", "OMP_NUM_THREADS": "1", **nodes}
    procs = [subprocess.Popen([sys.executable, "-m", "r1zero.core.launch", "1", "tests/helpers/frozen_peer_worker.py",
                               "5"], cwd=REPO, env={**env, "NODE_RANK": str(r)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for r in (0, 1)]
    try:
        out0, _ = procs[0].communicate(timeout=120)
    finally:
        for proc in procs:  # machine 1 (its rank is frozen: a stopped process waits for SIGKILL), or both on a failure
            for child in psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else ():
                child.kill()
            proc.kill()
            proc.communicate()
    assert procs[0].returncode == EXIT_PEER_LOST, out0[-3000:]
    waited = float(out0.split("waited ")[1].split(" s")[0])
    assert 4.5 < waited < 15, waited  # ddp_timeout=5, not gloo's default 30 minutes, nor at once
    line = error_line(out0)
    assert line.startswith("error: rank 0 (NODE_RANK=0) lost rank 1 on machine NODE_RANK=1 ("), line
    assert "Timed out waiting 5000ms" in line and "Traceback" not in out0, out0[-3000:]


def test_the_heartbeat_tells_a_lost_rank_from_other_errors(monkeypatch):
    """``explain`` names the ranks whose heartbeat stood still, and lets an error with every rank alive through."""
    from datetime import timedelta

    import torch.distributed as dist

    from r1zero.training import peers

    monkeypatch.setattr(peers, "HEARTBEAT_S", 0.05)
    monkeypatch.setenv("GROUP_RANK", "0")
    server = dist.TCPStore("127.0.0.1", 0, is_master=True, wait_for_workers=False, timeout=timedelta(seconds=10))
    client = lambda: dist.TCPStore("127.0.0.1", server.port, is_master=False, timeout=timedelta(seconds=10))  # noqa: E731
    me, other = peers.PeerWatch(client(), 0, 2), peers.PeerWatch(client(), 1, 2)
    try:
        me.explain(RuntimeError("a bug, not a lost peer"))  # rank 1 beats: returns, the caller raises the error
        other.close()  # rank 1 dies
        time.sleep(0.1)
        with pytest.raises(peers.PeerLost, match=r"^rank 0 \(NODE_RANK=0\) lost rank 1 on machine NODE_RANK=0 \(") as lost:
            me.explain(RuntimeError("[x/pair.cc:553] Connection closed by peer [127.0.0.1]:1. This is typically"))
        assert "(a collective failed: Connection closed by peer [127.0.0.1]:1)" in str(lost.value)
    finally:
        me.close()
        other.close()
