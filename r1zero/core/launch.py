"""Start a training script on N processes per machine, on one machine or several, through accelerate.

    python -m r1zero.core.launch N SCRIPT [--field value ...]    # what launch_sft.sh and launch_trl.sh run

This is `accelerate launch` (accelerate's own launcher runs in this process) plus the project's layout
rules and one-line failures. Run it from the repository root. The environment picks the layout:

    ACCEL_CONFIG=path      an accelerate config; otherwise one of config/accelerate/ is chosen:
    ZERO=2|3               DeepSpeed ZeRO-2/3 (zero2.yaml, zero3.yaml)
    CPU=1                  CPU processes talking over gloo (cpu.yaml)
    (neither)              single_gpu.yaml for one process, ddp.yaml for more
    NNODES=M NODE_RANK=r MASTER_ADDR=host [MASTER_PORT=29500]
                           M machines: run the same command on each, with its own NODE_RANK (0 .. M-1);
                           N counts the processes of one machine, MASTER_ADDR is NODE_RANK 0's address
    RDZV_TIMEOUT=s         how long the machines wait for each other at the start (default 600)
    DRY_RUN=1              print the accelerate command instead of running it (it plans a layout, so it
                           does not look for GPUs)

Without CPU=1 (or an ACCEL_CONFIG with ``use_cpu: true``) the machine must have a GPU per process: where torch
sees none, or fewer, the launch stops in one line before any process starts, naming the CPU command.

Failures end in one line: the rank that died first and how (torchrun then stops the other ranks of that
machine); on the other machines, the training rank that lost it and which rank and machine it lost (exit
69, r1zero/training/peers.py; its collective fails at once with gloo when the peer's connection closes,
else after the Trainer's `ddp_timeout`); a rendezvous port already in use; or machines that did not all
arrive within RDZV_TIMEOUT. SIGTERM or SIGUSR1 to the launcher is passed on to the ranks, which finish their
step, save a checkpoint and exit 75 ("stopped, resumable", r1zero.core.errors.EXIT_STOPPED); so does it.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from r1zero.core.errors import EXIT_PEER_LOST, EXIT_STOPPED, UserError, fail, run_cli
from r1zero.core.hardware import visible_gpus

ACCEL_DIR = Path("config/accelerate")
DEFAULT_MASTER_PORT = 29500
DEFAULT_RDZV_TIMEOUT = 600
# What to run instead on a machine without GPUs: the demo configs fit a CPU
CPU_COMMANDS = {
    "step3_GRPO/train_trl.py": "CPU=1 CONFIG=config/demo/grpo.yaml ./step3_GRPO/launch_trl.sh 2",
    "step2_sft/train_sft.py": "CPU=1 CONFIG=config/demo/sft.yaml ./step2_sft/launch_sft.sh 2",
}


@dataclass(frozen=True)
class Layout:
    """Where the processes of one launch run: N per machine on ``nnodes`` machines."""

    procs_per_node: int
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str | None = None
    master_port: int | None = None
    rdzv_timeout: int = DEFAULT_RDZV_TIMEOUT

    @property
    def world_size(self) -> int:
        return self.procs_per_node * self.nnodes


def _int_env(env: Mapping[str, str], name: str, default: int | None, low: int, high: int | None = None):
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UserError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise UserError(f"{name} must be between {low} and {high}, got {value}" if high is not None
                        else f"{name} must be at least {low}, got {value}")
    return value


def layout_from_env(procs_per_node: int, env: Mapping[str, str] = os.environ) -> Layout:
    """The launch layout from NNODES / NODE_RANK / MASTER_ADDR / MASTER_PORT / RDZV_TIMEOUT."""
    if procs_per_node < 1:
        raise UserError(f"the number of processes per machine must be at least 1, got {procs_per_node}")
    nnodes = _int_env(env, "NNODES", 1, low=1)
    node_rank = _int_env(env, "NODE_RANK", 0, low=0)
    if node_rank >= nnodes:
        raise UserError(f"NODE_RANK={node_rank} must be below NNODES={nnodes} (machines count from 0)")
    master_addr = env.get("MASTER_ADDR") or None
    if nnodes > 1 and not master_addr:
        raise UserError("NNODES > 1 needs MASTER_ADDR: the address of the NODE_RANK=0 machine, reachable from "
                        "every machine")
    port = _int_env(env, "MASTER_PORT", None, low=1, high=65535)
    timeout = _int_env(env, "RDZV_TIMEOUT", DEFAULT_RDZV_TIMEOUT, low=1)
    return Layout(procs_per_node, nnodes, node_rank, master_addr, port, timeout)


def accelerate_config(procs: int, env: Mapping[str, str] = os.environ) -> Path:
    """ACCEL_CONFIG, else the config for ZERO / CPU / the number of processes."""
    zero, cpu = env.get("ZERO", ""), env.get("CPU", "") not in ("", "0")
    if env.get("ACCEL_CONFIG"):
        path = Path(env["ACCEL_CONFIG"])
    elif zero and cpu:
        raise UserError("CPU=1 and ZERO cannot be combined: DeepSpeed needs GPUs")
    elif zero:
        path = ACCEL_DIR / f"zero{zero}.yaml"
        if not path.is_file():
            raise UserError(f"accelerate config {path} not found (ZERO must be 2 or 3)")
    elif cpu:
        path = ACCEL_DIR / "cpu.yaml"
    else:
        path = ACCEL_DIR / ("ddp.yaml" if procs > 1 else "single_gpu.yaml")
    if not path.is_file():
        raise UserError(f"accelerate config {path} not found (run from the repository root)")
    return path


def accelerate_args(layout: Layout, config: Path) -> list[str]:
    """`accelerate launch` options for ``layout``: processes are counted over all machines."""
    args = ["--num_processes", str(layout.world_size), "--config_file", str(config)]
    if layout.nnodes > 1:
        args += ["--num_machines", str(layout.nnodes), "--machine_rank", str(layout.node_rank),
                 "--main_process_ip", str(layout.master_addr),
                 "--main_process_port", str(layout.master_port or DEFAULT_MASTER_PORT),
                 "--rdzv_conf", f"timeout={layout.rdzv_timeout}"]
    elif layout.master_port:
        args += ["--main_process_port", str(layout.master_port)]
    return args


def runs_on_cpu(config: Path, env: Mapping[str, str] = os.environ) -> bool:
    """CPU=1, or an accelerate config whose processes run on the CPU (``use_cpu: true``, as cpu.yaml)."""
    if env.get("CPU", "") not in ("", "0"):
        return True
    import yaml

    try:
        data = yaml.safe_load(config.read_text())
    except (OSError, yaml.YAMLError):
        return False  # accelerate reports a config it cannot read
    return isinstance(data, dict) and data.get("use_cpu") is True


def check_gpus(needed: int, script: str, what: str = "", count=visible_gpus) -> None:
    """One line when this machine has no GPU, or fewer than ``needed``: raised before any process starts, so
    no rank prints accelerate's warnings and torch's errors once each."""
    found, why = count()
    if found >= needed:
        return
    cpu = CPU_COMMANDS.get("/".join(Path(script).parts[-2:]))
    instead = f"to train on CPU instead: {cpu}" if cpu else "set CPU=1 to run the processes on the CPU"
    if not found:
        raise UserError(f"no GPU found on this machine ({why}); {instead}")
    raise UserError(f"{what or f'{needed} process(es) per machine'}: {needed} GPU(s) needed, but torch sees {found} "
                    f"here; launch fewer processes, or {instead}")


def check_port_free(port: int, what: str) -> None:
    """One line naming ``port`` when something on this machine already listens on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            raise UserError(f"port {port} ({what}) is already in use on this machine: stop what holds it or "
                            "choose another port") from None


def describe_failure(exc, layout: Layout) -> tuple[str, int]:
    """One line for torchrun's ChildFailedError: the first rank that failed and how; and an exit status."""
    rank, failure = exc.get_first_failure()
    if failure.exitcode == EXIT_STOPPED:  # the ranks agreed to stop on a signal and saved a checkpoint
        if layout.node_rank == 0:
            return "", EXIT_STOPPED  # rank 0 said so already, naming the checkpoint
        return (f"with the other machines, on a signal; NODE_RANK 0's log names the checkpoint saved "
                f"(exit status {EXIT_STOPPED})"), EXIT_STOPPED
    if failure.exitcode == EXIT_PEER_LOST:  # a rank lost another and recorded one line naming it
        message = failure.message.get("message", "") if isinstance(failure.message, dict) else str(failure.message)
        prefix = "PeerLost: "  # torch's ErrorHandler writes "<exception type>: <message>"
        if message.startswith(prefix):
            return f"{message[len(prefix):]} (exit status {EXIT_PEER_LOST})", EXIT_PEER_LOST
    where = f"local rank {failure.local_rank}, pid {failure.pid}"
    if layout.nnodes > 1:
        where += f", machine NODE_RANK={layout.node_rank} ({socket.gethostname()})"
    if failure.exitcode < 0:  # killed from outside: by hand, by the scheduler or by the kernel's OOM killer
        how, code = f"was killed by {failure.signal_name()} (no error of its own; out of memory?)", 128 - failure.exitcode
    else:
        how, code = f"exited with status {failure.exitcode} (its output above says why)", failure.exitcode or 1
    line = f"rank {rank} ({where}) {how}; the other ranks on this machine were stopped"
    if layout.nnodes > 1 and (failure.exitcode > 0 or failure.signal_name() == "SIGABRT"):  # NCCL's watchdog aborts
        line += "; if its error is a lost connection or a collective timeout, a rank on another machine died first"
    return line, code


def forward_stop_signals() -> None:
    """SIGTERM and SIGUSR1 to the launcher reach the ranks, which save and exit ``EXIT_STOPPED``; the launcher
    keeps waiting for them.

    torchrun would answer SIGTERM by terminating the ranks and killing them 30 s later, too soon for a save;
    its ``--signals_to_handle`` (read from ``PET_SIGNALS_TO_HANDLE``) leaves SIGTERM to this handler. The
    ranks run in sessions of their own, so a signal to this process group does not reach them by itself;
    where a scheduler signals every process (SLURM's step cgroup), a rank gets it twice, which changes nothing.
    One process (accelerate's simple launcher) is the exception for SIGTERM: accelerate kills it 5 s after
    passing SIGTERM on, so stop such a run with SIGUSR1, or signal the training process itself.
    """
    import signal

    import psutil  # an accelerate dependency

    os.environ.setdefault("PET_SIGNALS_TO_HANDLE", "SIGINT,SIGHUP,SIGQUIT")

    def forward(signum, _frame):
        for child in psutil.Process().children():
            try:
                child.send_signal(signum)
            except psutil.NoSuchProcess:
                pass

    for sig in (signal.SIGTERM, signal.SIGUSR1):
        signal.signal(sig, forward)


def launch(layout: Layout, config: Path, script_and_args: list[str]) -> None:
    """Run accelerate's launcher in this process and turn its failures into one line."""
    import torch.distributed as dist
    from accelerate.commands.launch import launch_command, launch_command_parser
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    args = launch_command_parser().parse_args(accelerate_args(layout, config) + script_and_args)
    forward_stop_signals()
    try:
        launch_command(args)
    except ChildFailedError as exc:
        message, code = describe_failure(exc, layout)
        if code == EXIT_STOPPED:  # not an error: "stopped, resumable"
            if message:
                print(f"stopped: {message}", file=sys.stderr, flush=True)
            raise SystemExit(code) from None
        fail(message, code)
    except subprocess.CalledProcessError as exc:  # a single process: it printed its own error
        raise SystemExit(exc.returncode) from None
    except (dist.DistStoreError, dist.DistNetworkError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        port = layout.master_port or DEFAULT_MASTER_PORT
        if "EADDRINUSE" in str(exc) or "address already in use" in str(exc):
            raise UserError(f"port {port} (MASTER_PORT) is already in use on this machine") from None
        raise UserError(f"the {layout.nnodes} machine(s) did not meet at {layout.master_addr}:{port} within "
                        f"RDZV_TIMEOUT={layout.rdzv_timeout} s ({first}); start every NODE_RANK with the same "
                        "NNODES, MASTER_ADDR and MASTER_PORT") from None


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m r1zero.core.launch N SCRIPT [script args]  (N: processes per machine)"
    if argv[:1] in (["-h"], ["--help"]):
        print(f"{usage}\n\n{__doc__}")
        return
    if len(argv) < 2 or not argv[0].isdigit():
        raise UserError(usage)
    procs, script_and_args = int(argv[0]), argv[1:]
    layout = layout_from_env(procs)
    config = accelerate_config(layout.world_size)
    if os.environ.get("DRY_RUN"):
        print(shlex.join(["accelerate", "launch", *accelerate_args(layout, config), *script_and_args]))
        return
    if not runs_on_cpu(config):
        check_gpus(layout.procs_per_node, script_and_args[0])
    if layout.nnodes > 1 and layout.node_rank == 0:
        check_port_free(layout.master_port or DEFAULT_MASTER_PORT, "MASTER_PORT, the rendezvous of NODE_RANK 0")
    launch(layout, config, script_and_args)


if __name__ == "__main__":
    run_cli(main)
