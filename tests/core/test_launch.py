"""r1zero/core/launch.py and the launchers: layouts from the environment, real runs, bad input, ports in use, and
faults.

The dry runs check the command each layout builds. The real runs start gloo processes through the launcher
(tests/helpers/dist_worker.py, torch only, so they start fast) in each layout a CPU can run: 1 process, 2
processes on one machine, and 2 "machines" of 2 processes meeting at 127.0.0.1 (SLURM's layout runs for real in
test_slurm.py). The fault tests start the same workers and kill one: the launch must stop with one line naming
the rank instead of hanging.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1zero.core.errors import UserError
from r1zero.core.launch import Layout, accelerate_args, check_gpus, layout_from_env, runs_on_cpu

REPO = Path(__file__).resolve().parents[2]
WORKER = "tests/helpers/dist_worker.py"


def _run(cmd, timeout=60, **env):
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(REPO), **env})


def _launch(*args, **env):
    return _run([sys.executable, "-m", "r1zero.core.launch", *args], **env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_layout_counts_processes_over_machines():
    layout = layout_from_env(8, {"NNODES": "2", "NODE_RANK": "1", "MASTER_ADDR": "10.0.0.1"})
    assert layout == Layout(8, 2, 1, "10.0.0.1", None) and layout.world_size == 16
    args = accelerate_args(layout, Path("config/accelerate/ddp.yaml"))
    assert args == ["--num_processes", "16", "--config_file", "config/accelerate/ddp.yaml", "--num_machines", "2",
                    "--machine_rank", "1", "--main_process_ip", "10.0.0.1", "--main_process_port", "29500",
                    "--rdzv_conf", "timeout=600"]
    assert accelerate_args(layout_from_env(2, {}), Path("c.yaml")) == ["--num_processes", "2", "--config_file", "c.yaml"]


@pytest.mark.parametrize("env,message", [
    ({"NNODES": "2"}, "NNODES > 1 needs MASTER_ADDR"),
    ({"NNODES": "2", "NODE_RANK": "2", "MASTER_ADDR": "h"}, "NODE_RANK=2 must be below NNODES=2"),
    ({"NNODES": "two"}, "NNODES must be a whole number, got 'two'"),
    ({"MASTER_PORT": "70000"}, "MASTER_PORT must be between 1 and 65535, got 70000"),
    ({"NNODES": "0"}, "NNODES must be at least 1, got 0"),
])
def test_bad_layouts_are_one_line(env, message):
    with pytest.raises(UserError, match=message):
        layout_from_env(1, env)


def test_cpu_mode_and_multi_node_dry_runs():
    out = _run(["bash", "step2_sft/launch_sft.sh", "2", "--max_steps", "1"], DRY_RUN="1", CPU="1").stdout.strip()
    assert out == ("accelerate launch --num_processes 2 --config_file config/accelerate/cpu.yaml "
                   "step2_sft/train_sft.py --config config/sft.yaml --use_cpu true --max_steps 1")
    out = _run(["bash", "step3_GRPO/launch_trl.sh", "8"], DRY_RUN="1", NNODES="2", NODE_RANK="1",
               MASTER_ADDR="10.0.0.1", MASTER_PORT="29400", RDZV_TIMEOUT="300").stdout.strip()
    assert out == ("accelerate launch --num_processes 16 --config_file config/accelerate/ddp.yaml --num_machines 2 "
                   "--machine_rank 1 --main_process_ip 10.0.0.1 --main_process_port 29400 --rdzv_conf timeout=300 "
                   "step3_GRPO/train_trl.py --config config/grpo_config.yaml")
    bad = _run(["bash", "step2_sft/launch_sft.sh", "2"], DRY_RUN="1", CPU="1", ZERO="2")
    assert bad.returncode == 2 and bad.stderr.strip() == "error: CPU=1 and ZERO cannot be combined: DeepSpeed needs GPUs"


@pytest.mark.slow
@pytest.mark.parametrize("procs,machines", [(1, 1), (2, 1), (2, 2)],
                         ids=["1-process", "2-processes", "2-machines-of-2"])
def test_each_cpu_layout_runs_and_its_ranks_meet(tmp_path, procs, machines):
    """The launch itself, not a dry run: each rank gets its own rank, the world size, its local rank and machine,
    and its all_reduce sums every rank's R + 1."""
    env = {"MASTER_PORT": str(_free_port())}
    if machines > 1:
        env.update(NNODES=str(machines), MASTER_ADDR="127.0.0.1", RDZV_TIMEOUT="60")
    ranks_dir = tmp_path / "ranks"
    nodes = [_start(tmp_path, f"node{m}", str(procs), WORKER, str(ranks_dir), "1", **env,
                    **({"NODE_RANK": str(m)} if machines > 1 else {})) for m in range(machines)]
    for proc, log in nodes:
        out = _wait(proc, log, timeout=120)
        assert proc.returncode == 0, out[-3000:]
    world = procs * machines
    assert sorted(p.name for p in ranks_dir.glob("*.json")) == [f"rank{r}.json" for r in range(world)]
    seen = [json.loads((ranks_dir / f"rank{r}.json").read_text()) for r in range(world)]
    assert seen == [{"rank": r, "world_size": world, "local_rank": r % procs, "machine": r // procs,
                     "sum": world * (world + 1) / 2} for r in range(world)]


@pytest.mark.parametrize("cmd,cpu_command", [
    (["step3_GRPO/launch_trl.sh", "2"], "CPU=1 CONFIG=config/demo/grpo.yaml ./step3_GRPO/launch_trl.sh 2"),
    (["step3_GRPO/launch_trl.sh", "--server", "1"], "CPU=1 CONFIG=config/demo/grpo.yaml ./step3_GRPO/launch_trl.sh 2"),
    (["step3_GRPO/launch_trl.sh", "--serve"], "CPU=1 CONFIG=config/demo/grpo.yaml ./step3_GRPO/launch_trl.sh 2"),
    (["step2_sft/launch_sft.sh"], "CPU=1 CONFIG=config/demo/sft.yaml ./step2_sft/launch_sft.sh 2"),
], ids=["grpo", "grpo-server", "grpo-serve", "sft"])
def test_no_gpu_is_one_line_naming_the_cpu_command(cmd, cpu_command):
    """The mission's own command on a machine without GPUs (hidden here on a GPU machine too): one line, exit 2,
    before accelerate, torchrun or a vLLM server starts."""
    proc = _run(["bash", *cmd], CUDA_VISIBLE_DEVICES="", VLLM_PORT=str(_free_port()))
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: no GPU found on this machine (") and proc.stderr.count("\n") == 1
    assert proc.stderr.endswith(f"; to train on CPU instead: {cpu_command}\n")
    # DRY_RUN plans GPU layouts on any machine
    assert _run(["bash", *cmd], CUDA_VISIBLE_DEVICES="", DRY_RUN="1").returncode == 0


def test_gpu_check_counts_and_cpu_configs(tmp_path):
    with pytest.raises(UserError, match=r"^4 process\(es\) per machine: 4 GPU\(s\) needed, but torch sees 2 here; "
                                        "launch fewer processes, or to train on CPU instead: CPU=1 CONFIG="):
        check_gpus(4, "step2_sft/train_sft.py", count=lambda: (2, ""))
    check_gpus(2, "step2_sft/train_sft.py", count=lambda: (2, ""))  # enough: nothing said
    with pytest.raises(UserError, match=r"no GPU found on this machine \(why\); set CPU=1 to run the processes"):
        check_gpus(1, "tests/helpers/dist_worker.py", count=lambda: (0, "why"))
    own = tmp_path / "accel.yaml"  # an ACCEL_CONFIG of the user's that runs on the CPU needs no GPU either
    own.write_text("distributed_type: MULTI_GPU\nuse_cpu: true\n")
    assert runs_on_cpu(own, {}) and runs_on_cpu(Path("config/accelerate/ddp.yaml"), {"CPU": "1"})
    assert not runs_on_cpu(REPO / "config/accelerate/ddp.yaml", {})


def test_remote_vllm_server_and_server_mode_over_machines(tiny_model_dir):
    out = _run(["bash", "step3_GRPO/launch_trl.sh", "8"], DRY_RUN="1", VLLM_SERVER="10.0.0.9:8001",
               VLLM_GPUS="4").stdout
    assert out.strip().endswith("--vllm_mode server --vllm_server_host 10.0.0.9 --vllm_server_port 8001 "
                                "--vllm_server_gpus 4")
    bad = _run(["bash", "step3_GRPO/launch_trl.sh", "8"], DRY_RUN="1", VLLM_SERVER="10.0.0.9")
    assert bad.returncode == 2 and "VLLM_SERVER must be host:port" in bad.stderr
    bad = _run(["bash", "step3_GRPO/launch_trl.sh", "--server", "7"], DRY_RUN="1", NNODES="2", MASTER_ADDR="h")
    assert bad.returncode == 2 and "run it on its own machine (launch_trl.sh --serve)" in bad.stderr
    serve = _run(["bash", "step3_GRPO/launch_trl.sh", "--serve", "--model_name_or_path", str(tiny_model_dir)],
                 DRY_RUN="1", VLLM_GPUS="2", VLLM_HOST="10.0.0.9").stdout
    assert (f"CUDA_VISIBLE_DEVICES=0,1 trl vllm-serve --model {tiny_model_dir} --tensor_parallel_size 2 "
            "--host 10.0.0.9 --port 8000") in serve and "accelerate launch" not in serve


def test_ports_in_use_are_one_line(tiny_model_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        started = time.perf_counter()
        proc = _launch("1", WORKER, CPU="1", NNODES="2", NODE_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        assert proc.returncode == 2
        assert proc.stderr == (f"error: port {port} (MASTER_PORT, the rendezvous of NODE_RANK 0) is already in use on "
                               "this machine: stop what holds it or choose another port\n")
        # another run's vLLM server on VLLM_PORT would answer our health check: refused before anything starts
        proc = _run(["bash", "step3_GRPO/launch_trl.sh", "--server", "1", "--model_name_or_path", str(tiny_model_dir)],
                    VLLM_PORT=str(port))
        assert proc.returncode == 2 and proc.stderr.strip().endswith(
            f"error: port {port} (VLLM_PORT) is already in use on this machine: stop what holds it or choose another port")
        assert time.perf_counter() - started < 20  # nothing was started (no torch import in the launcher)


def _start(tmp_path, name, *args, **env):
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed by the test through _wait
    proc = subprocess.Popen([sys.executable, "-m", "r1zero.core.launch", *args], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), "CPU": "1", "OMP_NUM_THREADS": "1", **env})
    return proc, log


def _wait(proc, log, timeout):
    proc.wait(timeout=timeout)
    log.close()
    return Path(log.name).read_text()


def _kill_rank_when_up(pid_dir: Path, rank: int, timeout=120) -> float:
    pid_file = pid_dir / f"rank{rank}.pid"
    deadline = time.time() + timeout
    while not pid_file.is_file() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # a few collectives in
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    return time.perf_counter()


@pytest.mark.slow
def test_a_killed_rank_stops_the_job_and_is_named(tmp_path):
    proc, log = _start(tmp_path, "one", "2", WORKER, str(tmp_path / "pids"), "1000", MASTER_PORT=str(_free_port()))
    killed = _kill_rank_when_up(tmp_path / "pids", 1)
    out = _wait(proc, log, timeout=60)
    assert time.perf_counter() - killed < 30  # the agent stops rank 0 instead of leaving it in all_reduce
    assert proc.returncode == 128 + signal.SIGKILL
    assert out.strip().splitlines()[-1].startswith("error: rank 1 (local rank 1, pid ") and "was killed by SIGKILL" in out


@pytest.mark.slow
def test_two_machines_a_killed_rank_stops_both(tmp_path):
    env = {"NNODES": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "RDZV_TIMEOUT": "60"}
    nodes = [_start(tmp_path, f"node{r}", "1", WORKER, str(tmp_path / "pids"), "1000", NODE_RANK=str(r), **env)
             for r in (0, 1)]
    killed = _kill_rank_when_up(tmp_path / "pids", 1)
    out0, out1 = (_wait(p, log, timeout=90) for p, log in nodes)
    assert time.perf_counter() - killed < 45  # rank 0's next all_reduce fails on the lost connection: no hang
    assert nodes[1][0].returncode == 128 + signal.SIGKILL
    assert "error: rank 1 (local rank 0, pid " in out1 and "machine NODE_RANK=1" in out1
    assert nodes[0][0].returncode == 1 and "error: rank 0 (local rank 0" in out0
    assert "a rank on another machine died first" in out0


@pytest.mark.slow
def test_a_machine_that_never_comes_is_a_timeout_not_a_hang(tmp_path):
    started = time.perf_counter()
    proc, log = _start(tmp_path, "alone", "1", WORKER, str(tmp_path / "pids"), "3", NNODES="2", NODE_RANK="0",
                       MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), RDZV_TIMEOUT="5")
    out = _wait(proc, log, timeout=90)
    assert proc.returncode == 2 and time.perf_counter() - started < 60
    assert "error: the 2 machine(s) did not meet at 127.0.0.1:" in out and "within RDZV_TIMEOUT=5 s" in out
