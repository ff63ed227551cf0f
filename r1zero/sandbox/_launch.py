"""Starting and stopping one sandboxed process (``r1zero.sandbox.execute``'s module doc says how a program runs):
the harness compiled once, the command line under bubblewrap or the fallback's, a uid per program as root, and
killing whatever is left of it.
"""

from __future__ import annotations

import atexit
import functools
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass

_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")
UID_BASE = 1 << 30  # per-program uids (as root): UID_BASE + (our pid << 7) + slot, unused by real accounts


@dataclass(frozen=True)
class Limits:
    """Per-program limits. ``timeout_s`` bounds the program and all its tests together."""

    timeout_s: float = 10.0
    memory_mb: int = 512  # address space of each process
    max_processes: int = 4  # tasks (processes and threads) at once, the program's own included
    output_bytes: int = 1 << 20  # stdout + stderr together, and any one file it writes
    tmp_mb: int = 32  # size of /tmp, the working directory (bwrap only)
    open_files: int = 64

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, got {value}")


@dataclass(frozen=True)
class Isolation:
    """How programs are isolated here (``r1zero.sandbox._isolation`` detects it once)."""

    mode: str  # "bwrap" or "rlimits"
    own_uid: bool  # root: each program runs under a uid of its own
    python: str  # the interpreter that runs the programs
    missing: tuple[str, ...] = ()  # protections not in effect, for the warning and sandbox_info


@dataclass
class Run:
    """One sandbox, from its start (ahead of its job) to its result."""

    slot: int  # its uid's index, as root
    files: tuple  # output (stdout and stderr), result (the harness's report), job: anonymous temporary files
    workdir: str | None = None  # rlimits mode: the temporary working directory
    proc: subprocess.Popen | None = None
    pidfd: int | None = None
    index: int = -1  # the job it runs, once given one
    started: float = 0.0
    deadline: float = math.inf
    start_error: str | None = None


# The harness starts from a .pyc that the sandbox's interpreter compiled once: compiling its source at each start
# would cost about a millisecond of every program's start-up. The folder is the first argument.
_BOOT = ("import sys\nsys.path[:0] = [sys.argv.pop(1)]\nimport r1zero_harness as harness\ndel sys.path[0]\n"
         "harness.main(*sys.argv[1:])\n")
_COMPILE = "import py_compile, sys\npy_compile.compile(sys.argv[1], sys.argv[2], doraise=True)\n"


@functools.cache
def harness_dir(python: str) -> str:
    """A folder any uid can read, holding the harness compiled by ``python`` (removed at exit). Its name, unique
    to this process, is on the command line of every sandboxed process: tests find survivors by it."""
    folder = tempfile.mkdtemp(prefix="r1zero-harness-")
    atexit.register(shutil.rmtree, folder, True)
    pyc = os.path.join(folder, "r1zero_harness.pyc")
    done = subprocess.run([python, "-S", "-B", "-c", _COMPILE, _RUNNER, pyc], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(f"{python} cannot compile the harness: {done.stderr.strip()[-300:]}")
    os.chmod(folder, 0o755)
    os.chmod(pyc, 0o644)
    return folder


def _python_argv(python: str, folder: str) -> list[str]:
    # -S: no site-packages (standard library only, and a faster start); -B: no .pyc files written
    return [python, "-S", "-B", "-c", _BOOT, folder]


def _env(home: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}


def _python_dirs() -> list[str]:
    """Folders the interpreter needs that /usr does not hold (pyenv, conda, a venv's base)."""
    dirs = sorted({os.path.realpath(sys.base_prefix), os.path.dirname(os.path.realpath(sys.executable))})
    kept: list[str] = []
    for d in dirs:
        if d != "/usr" and not d.startswith("/usr/") and not any(d.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(d)
    return kept


def _ancestors(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b", "/a/b/c"]``."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: k + 1]) for k in range(len(parts))]


@functools.lru_cache(maxsize=16)
def _bwrap_argv(limits: Limits, root: bool) -> tuple[str, ...]:
    # No /proc, and of /dev only null, zero and urandom: less to see, fewer mounts to make (each costs time).
    argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "--new-session",
            "--clearenv", "--ro-bind", "/usr", "/usr", "--dev-bind", "/dev/null", "/dev/null",
            "--dev-bind", "/dev/zero", "/dev/zero", "--dev-bind", "/dev/urandom", "/dev/urandom",
            "--perms", "1777", "--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp", "--chdir", "/tmp"]
    # As root, bwrap would map the sandbox to uid 0 outside; the runner switches to its own uid instead.
    argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if root else ["--unshare-user"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):  # merged-/usr links, or real folders
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    python_dirs = _python_dirs()
    # bwrap would give the folders above them the host's modes (/root is 0700): make them traversable
    for folder in sorted({a for d in python_dirs for a in _ancestors(os.path.dirname(d)) if a != "/"}):
        argv += ["--perms", "0755", "--dir", folder]
    for path in (*python_dirs, "/etc/ld.so.cache", "/etc/localtime"):
        argv += ["--ro-bind-try", path, path]
    for key, value in _env("/tmp").items():
        argv += ["--setenv", key, value]
    return tuple(argv)  # cached: the same for every program of a batch


def harness_argv(python: str) -> list[str]:
    """The command that starts the harness as a sandbox starts it, without the isolation or the limits
    (bench/bench_executor.py's bare-harness baseline); the job's arguments follow it."""
    return _python_argv(python, harness_dir(python))


def _nproc(limits: Limits, iso: Isolation) -> int:
    # Unprivileged bwrap puts its own init process in the program's user namespace, where tasks are counted.
    return limits.max_processes + (1 if iso.mode == "bwrap" and not iso.own_uid else 0)


def _slot_uid(slot: int) -> int:
    return UID_BASE + ((os.getpid() & 0xFFFFF) << 7) + slot


def spawn(slot: int, limits: Limits, iso: Isolation) -> Run:
    """Start a sandbox whose harness waits for its job (``_give``). Started ahead of the job, its start-up
    (namespaces, mounts, the interpreter: tens of milliseconds of waiting on a busy machine) overlaps the
    programs running."""
    run = Run(slot, (tempfile.TemporaryFile(), tempfile.TemporaryFile(), tempfile.TemporaryFile()))
    out_file, result_file, job_file = run.files
    uid = _slot_uid(slot) if iso.own_uid else -1
    try:
        harness = harness_dir(iso.python)
    except OSError as exc:
        run.start_error = f"could not start: {exc}"
        return run
    if iso.mode == "bwrap":
        inside = "/" + os.path.basename(harness)  # not under /tmp: that is the program's working folder
        argv = [*_bwrap_argv(limits, root=iso.own_uid), "--ro-bind", harness, inside]
        argv, cwd, env = argv + _python_argv(iso.python, inside), None, _env("/tmp")
    else:
        run.workdir = tempfile.mkdtemp(prefix="r1zero-sandbox-")
        if uid >= 0:
            os.chown(run.workdir, uid, uid)
        argv, cwd, env = _python_argv(iso.python, harness), run.workdir, _env(run.workdir)
    argv += [str(max(1, int(limits.timeout_s + 0.999))), str(limits.memory_mb << 20), str(limits.output_bytes),
             str(limits.open_files), str(_nproc(limits, iso)), str(uid), str(result_file.fileno()),
             str(job_file.fileno())]
    try:
        run.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out_file, stderr=subprocess.STDOUT,
                                    cwd=cwd, env=env, pass_fds=(result_file.fileno(), job_file.fileno()),
                                    start_new_session=True)
    except (OSError, ValueError) as exc:  # no fork possible right now...
        run.start_error = f"could not start: {exc}"
        return run
    try:
        run.pidfd = os.pidfd_open(run.proc.pid)
    except (AttributeError, OSError):  # not Linux: poll instead
        run.pidfd = None
    return run


def stop(run: Run, iso: Isolation) -> int | None:
    """Kill whatever is left of the run's sandbox and clean up; its exit status."""
    code = None
    if run.proc is not None:
        try:
            os.killpg(run.proc.pid, signal.SIGKILL)  # the sandbox (bwrap), or the harness and its group
        except ProcessLookupError:
            pass
        code = run.proc.wait()
        if run.proc.stdin is not None and not run.proc.stdin.closed:
            try:
                run.proc.stdin.close()
            except OSError:
                pass
        if run.pidfd is not None:
            os.close(run.pidfd)
        if iso.own_uid and iso.mode == "rlimits":
            _kill_uid(_slot_uid(run.slot))
    if run.workdir is not None:
        shutil.rmtree(run.workdir, ignore_errors=True)
    return code


def signal_of(code: int | None, iso: Isolation) -> int | None:
    """The signal that ended the harness: a negative exit status, or bubblewrap's 128 + signal."""
    if code is not None and code < 0:
        return -code
    if code is not None and iso.mode == "bwrap" and code > 128:
        return code - 128
    return None


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (root fallback mode: catches what left the process group)."""
    for _ in range(20):
        found = False
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        os.kill(int(entry.name), signal.SIGKILL)
                        found = True
                except OSError:
                    pass
        if not found:
            return
