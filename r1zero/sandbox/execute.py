"""Run untrusted Python programs against their tests: one sandboxed process each, bounded, never raising.

API (the code counterpart of ``r1zero.grading.grader``'s contract):
- ``execute_many(programs, tests, *, setups=None, workers=None, limits=None) -> list[dict]``: one result per
  program, in input order; ``tests[i]`` is the list of test snippets (MBPP: ``assert`` lines) for
  ``programs[i]``, ``setups[i]`` optional code run between the program and its tests;
- ``execute(program, tests, setup="", limits=None) -> dict`` for one program;
- ``sandbox_info() -> dict``: the isolation in effect here (eval summaries record it);
- ``job_parts(program, setup, tests)``: what the harness is handed (bench/bench_executor.py runs it bare).

Each result: ``passed`` and ``total`` (tests), ``pass_fraction``, ``status`` (``passed``: every test passed;
``failed``: the program ran and some test failed; ``error``: the program raised, crashed, exceeded a limit
other than time, or gave no usable report; ``timeout``: killed at the wall-clock limit), ``timeout`` (bool),
``error`` (why, or the first failing test's reason; None when all passed) and ``seconds``. Only a run
that finishes cleanly scores: an error or a timeout passes no test. Content of a program never raises;
caller mistakes (lengths differ, no tests) raise ``ValueError``.

Verdicts are decided here, not in the program's interpreter: each test is split (``r1zero.sandbox.probes``) into
probes, the expressions that need the program, and a check that holds the expected values. Only the probes go
into the sandbox; their values come back as plain data, and the check runs here on them
(``r1zero.sandbox.verdict``). A program that patches the harness, returns objects with their own ``__eq__``, forges
the report or leaves early therefore passes nothing: whatever it does, it can only report values it could
have returned.

How a program runs (docs/sandbox.md says what this protects against and what it does not):
- a fresh process (``python -S``: standard library only) in a new session; at most ``workers`` at once
  (default: one per CPU, shared among this machine's ranks), each batch keeping as many sandboxes started
  ahead, idle until their job comes, so that their start-up overlaps the programs running; killed with its
  whole process group at ``timeout_s`` of wall-clock time, counted from its job;
- kernel resource limits set before the program runs (``r1zero.sandbox.runner``, the harness inside): CPU seconds, address
  space, tasks (processes and threads), size of any file written (its output included), open files, no
  core dumps. Started as root, each program gets a uid of its own (the kernel does not limit root's tasks);
- bubblewrap (``bwrap``), when it works here: new user, PID, network (a loopback of its own, nothing else) and
  IPC namespaces; a file system view of only ``/usr``, the interpreter, a few loader files and
  ``/dev/{null,zero,urandom}``, read-only, plus an empty size-limited ``/tmp`` as the working directory
  (no ``/proc``, no home folders); an empty environment; every process dies with the sandbox;
- without bubblewrap (not installed, or user namespaces refused): the limits and the process group only,
  in a temporary directory that is removed afterwards, with a warning that says what is missing.
  ``R1ZERO_SANDBOX=bwrap`` refuses to run without bubblewrap; ``R1ZERO_SANDBOX=rlimits`` forces the
  fallback (tests use it).
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass

from r1zero.core.errors import UserError
from r1zero.sandbox.probes import plan_tests
from r1zero.sandbox.verdict import judge, read_report

logger = logging.getLogger("r1zero.sandbox.execute")
_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")
MAX_DEFAULT_WORKERS = 32
MAX_WORKERS = 64  # programs at once per batch; each, and each sandbox started ahead, gets its own uid as root
UID_BASE = 1 << 30  # per-program uids (as root): UID_BASE + (our pid << 7) + slot, unused by real accounts
MODES = ("auto", "bwrap", "rlimits")
MAX_PROGRAM_BYTES = 100_000  # MBPP answers are a few hundred bytes


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
class _Isolation:
    mode: str  # "bwrap" or "rlimits"
    own_uid: bool  # root: each program runs under a uid of its own
    python: str  # the interpreter that runs the programs
    missing: tuple[str, ...] = ()  # protections not in effect, for the warning and sandbox_info


@dataclass
class _Run:
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
def _harness_dir(python: str) -> str:
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


def _python_argv(python: str, harness_dir: str) -> list[str]:
    # -S: no site-packages (standard library only, and a faster start); -B: no .pyc files written
    return [python, "-S", "-B", "-c", _BOOT, harness_dir]


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


# --- running a batch ----------------------------------------------------------------------------------


def _nproc(limits: Limits, iso: _Isolation) -> int:
    # Unprivileged bwrap puts its own init process in the program's user namespace, where tasks are counted.
    return limits.max_processes + (1 if iso.mode == "bwrap" and not iso.own_uid else 0)


def _slot_uid(slot: int) -> int:
    return UID_BASE + ((os.getpid() & 0xFFFFF) << 7) + slot


def _spawn(slot: int, limits: Limits, iso: _Isolation) -> _Run:
    """Start a sandbox whose harness waits for its job (``_give``). Started ahead of the job, its start-up
    (namespaces, mounts, the interpreter: tens of milliseconds of waiting on a busy machine) overlaps the
    programs running."""
    run = _Run(slot, (tempfile.TemporaryFile(), tempfile.TemporaryFile(), tempfile.TemporaryFile()))
    out_file, result_file, job_file = run.files
    uid = _slot_uid(slot) if iso.own_uid else -1
    try:
        harness = _harness_dir(iso.python)
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


def job_parts(program: str, setup: str, tests: tuple[str, ...]) -> list[str]:
    """What the harness reads from its job file, NUL-separated (``r1zero.sandbox.runner``): the program, the
    setup, then each test's number of steps and its steps (``r1zero.sandbox.probes``)."""
    parts = [program, setup]
    for plan in plan_tests(tests):  # only the probes go in: the checks, and their expected values, stay here
        parts += [str(len(plan.steps)), *plan.steps]
    return parts


def _give(run: _Run, index: int, job: tuple, limits: Limits) -> None:
    """Hand a started sandbox its job: the program, the setup and the tests' probes, never their checks."""
    program, tests, setup = job
    run.index, run.started = index, time.monotonic()
    run.deadline = run.started + limits.timeout_s
    parts = job_parts(program, setup, tests)
    if len(program.encode("utf-8", "surrogatepass")) > MAX_PROGRAM_BYTES:
        run.start_error = f"program longer than {MAX_PROGRAM_BYTES} bytes"
    elif any("\0" in part for part in parts):  # the job's separator
        run.start_error = "could not start: a NUL character in the program or its setup"
    if run.start_error is not None or run.proc is None:
        return  # _collect stops the sandbox
    job_file = run.files[2]
    job_file.write("\0".join(parts).encode("utf-8", "surrogatepass"))
    job_file.flush()
    try:
        run.proc.stdin.write(b"\n")  # one byte: go (the harness reads it; the program finds stdin at its end)
        run.proc.stdin.close()
    except OSError:  # the sandbox died while it waited: collected as a run without a report
        pass


def _stop(run: _Run, iso: _Isolation) -> int | None:
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


def _signal_of(code: int | None, iso: _Isolation) -> int | None:
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


def _collect(run: _Run, tests: tuple[str, ...], timed_out: bool, limits: Limits, iso: _Isolation) -> dict:
    """Stop whatever is left of the run, clean up, and turn what it reported into a result."""
    seconds = time.monotonic() - run.started
    code = _stop(run, iso)
    out_file, result_file, _ = run.files
    result_file.seek(0)
    raw = result_file.read(limits.output_bytes + 1)
    plans = plan_tests(tests)
    record = read_report(raw, plans)
    output_size = out_file.seek(0, os.SEEK_END)
    out_file.seek(max(0, output_size - 2000))
    tail = out_file.read().decode("utf-8", "replace").strip().splitlines()
    for f in run.files:
        f.close()

    total = len(tests)
    passed = [False] * total
    # The CPU limit (timeout_s, counted from the interpreter's start) can end a busy loop before the wall clock,
    # which counts from the job's arrival: either way the program ran out of time.
    killed_by = _signal_of(code, iso)
    timed_out = timed_out or killed_by == signal.SIGXCPU
    if timed_out:
        status, error = "timeout", f"time limit of {limits.timeout_s:g} s exceeded"
    elif run.start_error is not None:
        status, error = "error", run.start_error
    elif record is None:
        status = "error"
        if raw:  # written by the program, or twice: nothing in it counts
            error = "malformed report"
        elif output_size >= limits.output_bytes:
            error = f"output limit of {limits.output_bytes} bytes exceeded"
        elif killed_by is not None:
            error = f"killed by {signal.Signals(killed_by).name}" if killed_by in signal.valid_signals() else (
                f"signal {killed_by}")
        else:
            error = f"exited with status {code} without a result" + (f" ({tail[-1][:200]})" if tail else "")
    elif record[0] is not None:
        status, error = "error", record[0]
    else:
        errors = [judge(plan, results) for plan, results in zip(plans, record[1], strict=True)]
        passed = [e is None for e in errors]
        status = "passed" if all(passed) else "failed"
        error = next((e for e in errors if e is not None), None)
    return {"passed": sum(passed), "total": total, "pass_fraction": sum(passed) / total, "status": status,
            "timeout": timed_out, "error": error, "seconds": round(seconds, 3)}


def _run_jobs(jobs: list[tuple], workers: int, limits: Limits, iso: _Isolation) -> list[dict]:
    results: list = [None] * len(jobs)
    queue = deque(range(len(jobs)))
    free_slots = list(range(2 * workers))  # the programs running, and as many sandboxes started ahead
    running: list[_Run] = []
    ahead: deque[_Run] = deque()
    try:
        while queue or running:
            while queue and len(running) < workers:
                run = ahead.popleft() if ahead else _spawn(free_slots.pop(), limits, iso)
                i = queue.popleft()
                _give(run, i, jobs[i], limits)
                running.append(run)
            while len(ahead) < min(workers, len(queue)):
                ahead.append(_spawn(free_slots.pop(), limits, iso))
            wait_s = max(0.0, min(r.deadline for r in running) - time.monotonic())
            if any(r.proc is None or r.start_error for r in running):  # did not start: collect it right away
                wait_s = 0.0
            pidfds = [r.pidfd for r in running if r.pidfd is not None]
            if len(pidfds) == len(running):
                poller = select.poll()  # not select(): a trainer's descriptors can number over 1024
                for fd in pidfds:
                    poller.register(fd, select.POLLIN)
                poller.poll(wait_s * 1000)  # wakes when a program exits
            else:
                time.sleep(min(wait_s, 0.005))
            now = time.monotonic()
            for run in list(running):
                done = run.proc is None or run.start_error is not None or run.proc.poll() is not None
                if done or now >= run.deadline:
                    running.remove(run)
                    results[run.index] = _collect(run, jobs[run.index][1], not done, limits, iso)
                    free_slots.append(run.slot)
    finally:  # the batch is done, or interrupted (Ctrl-C): leave nothing running
        for run in running:
            _collect(run, jobs[run.index][1], True, limits, iso)
        for run in ahead:
            _stop(run, iso)
            for f in run.files:
                f.close()
    return results


# --- isolation: detect once ---------------------------------------------------------------------------

_ISOLATION: _Isolation | None = None
_DETECT_LOCK = threading.Lock()
_BATCH_LOCK = threading.Lock()  # one batch at a time per process: slots (and uids) are per batch
# It imports standard modules that are not frozen into the interpreter: a program runs after the runner drops
# to its own uid, and an interpreter under /root (pyenv) then starts but cannot read its standard library.
_CANARY = ("import collections, json, re\ndef canary():\n    return 42\n", ("assert canary() == 42",), "")


def _works(iso: _Isolation) -> str | None:
    """None if a canary program passes under ``iso``, else why not."""
    result = _run_jobs([_CANARY], 1, Limits(timeout_s=30), iso)[0]
    return None if result["status"] == "passed" else str(result["error"])


def _detect() -> _Isolation:
    wanted = os.environ.get("R1ZERO_SANDBOX", "auto").strip().lower() or "auto"
    if wanted not in MODES:
        raise UserError(f"R1ZERO_SANDBOX must be one of {', '.join(MODES)}, got {wanted!r}")
    root = os.geteuid() == 0
    python = os.path.realpath(sys.executable)
    if wanted != "rlimits":
        why = "bwrap (bubblewrap) is not installed" if shutil.which("bwrap") is None else None
        why = why or _works(_Isolation("bwrap", root, python))
        if why is None:
            return _Isolation("bwrap", root, python)
        if wanted == "bwrap":
            raise UserError(f"R1ZERO_SANDBOX=bwrap, but bubblewrap cannot sandbox here: {why}")
        logger.warning("code sandbox: bubblewrap cannot run here (%s)", why)
    missing = ["network isolation", "a read-only view of the file system (programs write wherever their user may)",
               "hiding the machine's files and processes", "a size limit on the working folder"]
    if root:  # the system interpreter when ours lives where other users cannot read it (/root/.pyenv)
        for candidate in dict.fromkeys([python, shutil.which("python3", path="/usr/bin:/bin")]):
            if candidate and _works(_Isolation("rlimits", True, candidate)) is None:
                iso = _Isolation("rlimits", True, candidate, tuple(missing))
                break
        else:
            iso = _Isolation("rlimits", False, python, tuple(missing + [
                "a uid of its own (no interpreter readable by other users), so no limit on processes, and the "
                "program can signal or read the files of the caller's processes"]))
    else:
        iso = _Isolation("rlimits", False, python, tuple(missing + [
            "a limit on processes of its own (the limit counts all of the user's processes, so programs cannot "
            "start any)", "protection of the caller's processes (same user)",
            "killing processes that leave the process group"]))
    logger.warning("code sandbox runs programs WITHOUT %s. Install bubblewrap (apt-get install bubblewrap) for "
                   "full isolation; see docs/sandbox.md", "; ".join(iso.missing))
    return iso


def _isolation() -> _Isolation:
    global _ISOLATION
    with _DETECT_LOCK:
        if _ISOLATION is None:
            _ISOLATION = _detect()
        return _ISOLATION


def sandbox_info() -> dict:
    """The isolation in effect: mode (bwrap or rlimits), whether each program gets a uid of its own, the
    interpreter, the protections missing (empty with bwrap), and the harness's folder (on the command line of
    every process this process sandboxes)."""
    iso = _isolation()
    return {"mode": iso.mode, "own_uid": iso.own_uid, "python": iso.python, "missing": list(iso.missing),
            "harness": _harness_dir(iso.python)}


# --- public API ---------------------------------------------------------------------------------------


def default_workers() -> int:
    """One program per CPU, the CPUs shared among the training processes of this machine (DDP ranks each
    grade their own completions): the limit is wall-clock time, which more programs than CPUs stretch."""
    from r1zero.core.hardware import usable_cpus

    ranks = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1))
    return max(1, min(MAX_DEFAULT_WORKERS, usable_cpus() // ranks))


def as_tests(value, index: int = 0) -> tuple[str, ...]:
    """A row's tests as a tuple of code strings (a list, a numpy array from parquet, or one string)."""
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from parquet list columns
        value = value.tolist()
    tests = (value,) if isinstance(value, str) else tuple(value or ())
    if not tests or not all(isinstance(t, str) and t.strip() for t in tests):
        raise ValueError(f"tests at index {index} must be a non-empty list of code strings")
    return tests


def execute_many(programs, tests, *, setups=None, workers: int | None = None,
                 limits: Limits | None = None) -> list[dict]:
    """Run each program against its tests in the sandbox; one result per program (see the module doc)."""
    programs, tests = list(programs), list(tests)
    setups = [""] * len(programs) if setups is None else ["" if s is None else str(s) for s in setups]
    if not len(programs) == len(tests) == len(setups):
        raise ValueError(f"got {len(programs)} programs, {len(tests)} test lists and {len(setups)} setups")
    limits = limits or Limits()
    workers = default_workers() if workers is None else int(workers)
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be between 1 and {MAX_WORKERS}, got {workers}")
    unique: dict[tuple, int] = {}  # GRPO groups repeat programs: run each distinct job once
    keys = []
    for i, (program, test, setup) in enumerate(zip(programs, tests, setups, strict=True)):
        key = ("" if program is None else str(program), as_tests(test, i), setup)
        unique.setdefault(key, len(unique))
        keys.append(key)
    jobs = list(unique)
    if not jobs:
        return []
    iso = _isolation()
    with _BATCH_LOCK:
        results = _run_jobs(jobs, min(workers, len(jobs)), limits, iso)
    return [dict(results[unique[key]]) for key in keys]


def execute(program: str, tests, setup: str = "", limits: Limits | None = None) -> dict:
    """One program against its tests; see ``execute_many``."""
    return execute_many([program], [tests], setups=[setup], workers=1, limits=limits)[0]
