"""Running a batch of jobs: each handed to a sandbox started ahead of it, at most ``workers`` at once, and each
result collected and judged here (``r1zero.sandbox.verdict``) from what its harness reported.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections import deque

from r1zero.sandbox._launch import Isolation, Limits, Run, signal_of, spawn, stop
from r1zero.sandbox.probes import plan_tests
from r1zero.sandbox.verdict import judge, read_report

MAX_PROGRAM_BYTES = 100_000  # MBPP answers are a few hundred bytes


def job_parts(program: str, setup: str, tests: tuple[str, ...]) -> list[str]:
    """What the harness reads from its job file, NUL-separated (``r1zero.sandbox.runner``): the program, the
    setup, then each test's number of steps and its steps (``r1zero.sandbox.probes``)."""
    parts = [program, setup]
    for plan in plan_tests(tests):  # only the probes go in: the checks, and their expected values, stay here
        parts += [str(len(plan.steps)), *plan.steps]
    return parts


def _give(run: Run, index: int, job: tuple, limits: Limits) -> None:
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


def _collect(run: Run, tests: tuple[str, ...], timed_out: bool, limits: Limits, iso: Isolation) -> dict:
    """Stop whatever is left of the run, clean up, and turn what it reported into a result."""
    seconds = time.monotonic() - run.started
    code = stop(run, iso)
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
    killed_by = signal_of(code, iso)
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


def run_jobs(jobs: list[tuple], workers: int, limits: Limits, iso: Isolation) -> list[dict]:
    results: list = [None] * len(jobs)
    queue = deque(range(len(jobs)))
    free_slots = list(range(2 * workers))  # the programs running, and as many sandboxes started ahead
    running: list[Run] = []
    ahead: deque[Run] = deque()
    try:
        while queue or running:
            while queue and len(running) < workers:
                run = ahead.popleft() if ahead else spawn(free_slots.pop(), limits, iso)
                i = queue.popleft()
                _give(run, i, jobs[i], limits)
                running.append(run)
            while len(ahead) < min(workers, len(queue)):
                ahead.append(spawn(free_slots.pop(), limits, iso))
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
            stop(run, iso)
            for f in run.files:
                f.close()
    return results
