"""Run untrusted Python programs against their tests: one sandboxed process each, bounded, never raising.

API (the code counterpart of ``r1zero.grading.grader``'s contract):
- ``execute_many(programs, tests, *, setups=None, workers=None, limits=None) -> list[dict]``: one result per
  program, in input order; ``tests[i]`` is the list of test snippets (MBPP: ``assert`` lines) for
  ``programs[i]``, ``setups[i]`` optional code run between the program and its tests;
- ``execute(program, tests, setup="", limits=None) -> dict`` for one program;
- ``sandbox_info() -> dict``: the isolation in effect here (eval summaries record it);
- ``job_parts(program, setup, tests)`` and ``harness_argv(python)``: what the harness is handed, and the command
  that starts it without isolation (bench/bench_executor.py runs it bare).

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

Where it is done: ``r1zero.sandbox._launch`` starts and stops one sandboxed process, ``r1zero.sandbox._batch``
runs a batch and collects each result, ``r1zero.sandbox._isolation`` detects the isolation once per process.
"""

from __future__ import annotations

import os
import threading

from r1zero.sandbox._batch import job_parts, run_jobs
from r1zero.sandbox._isolation import isolation, sandbox_info
from r1zero.sandbox._launch import Limits, harness_argv

__all__ = ["Limits", "as_tests", "default_workers", "execute", "execute_many", "harness_argv", "job_parts",
           "sandbox_info"]

MAX_DEFAULT_WORKERS = 32
MAX_WORKERS = 64  # programs at once per batch; each, and each sandbox started ahead, gets its own uid as root
_BATCH_LOCK = threading.Lock()  # one batch at a time per process: slots (and uids) are per batch


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
    iso = isolation()
    with _BATCH_LOCK:
        results = run_jobs(jobs, min(workers, len(jobs)), limits, iso)
    return [dict(results[unique[key]]) for key in keys]


def execute(program: str, tests, setup: str = "", limits: Limits | None = None) -> dict:
    """One program against its tests; see ``execute_many``."""
    return execute_many([program], [tests], setups=[setup], workers=1, limits=limits)[0]
