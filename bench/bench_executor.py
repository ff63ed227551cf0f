"""Benchmark the code sandbox (``r1zero.sandbox.execute``) against unsandboxed subprocesses, on a GRPO-like mix; CPU only.

    python bench/bench_executor.py                     # 24 MBPP problems x groups of 8, 2 and 4 workers, 3 rounds
    python bench/bench_executor.py --problems 8 --rounds 1 --workers 2

The mix, per problem of the bundled MBPP sample (step1_data/sample/mbpp_sample.jsonl, task 123 left out:
its reference alone runs for seconds and would measure nothing but itself): groups of 8 programs, like
GRPO's, of which 4 are the reference solution, 2 return a wrong value, 1 has a syntax error and 1 raises at
import. Each group goes through ``execute_many`` with ``--workers`` processes at once (GRPO grades one
group per call in the worst case), and through two baselines with the same parallelism, in the same run:
- ``plain``: what one would do without a sandbox: the program, setup and tests written to one file and run
  by ``python -S file.py`` (pass = exit status 0; no per-test fractions);
- ``harness``: the sandbox's own harness (``r1zero/sandbox/runner.py``) as a plain subprocess, with the
  verdict decided in this process as the sandbox does (``r1zero.sandbox.probes``, ``r1zero.sandbox.verdict``): no bubblewrap,
  no limits but the report's size, no uid switch. The ratio to it is the cost of the isolation layers alone.
Each runner is measured with each ``--workers`` count, interleaved group by group (so that load from other
jobs hits all of them alike); the figures are programs per second (median over rounds), with sandbox/plain
ratios at equal workers and best against best.
Most of bubblewrap's cost is waiting in the kernel (namespace set-up and teardown), not CPU, so the
sandbox gains from more workers than cores where the CPU-bound baselines do not. The machine is shared,
so expect noise; the median of several rounds is the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from r1zero.sandbox import execute as sandbox
from r1zero.sandbox.probes import plan_tests
from r1zero.sandbox.verdict import judge, read_report

REPO = Path(__file__).resolve().parent.parent

SAMPLE = REPO / "step1_data" / "sample" / "mbpp_sample.jsonl"
SLOW_TASKS = {123}
GROUP = 8


def _groups(path: Path, problems: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["task_id"] not in SLOW_TASKS][:problems]
    groups = []
    for r in rows:
        name = re.search(r"assert\s+(?:not\s+)?\(?\s*(?:set\()?(\w+)\(", r["test_list"][0]).group(1)
        wrong = r["code"] + f"\ndef {name}(*args, **kwargs):\n    return None\n"
        programs = [r["code"]] * 4 + [wrong] * 2 + ["def broken(:\n    pass\n", "raise ValueError('no')\n"]
        # distinct texts: execute_many runs repeated programs once, which would flatter the sandbox here
        programs = [f"{p}\n# sample {k}\n" for k, p in enumerate(programs)]
        groups.append({"programs": programs, "tests": r["test_list"], "setup": r["test_setup_code"]})
    return groups


def _run_sandbox(groups, workers: int, limits) -> tuple[float, int]:
    start, passed = time.perf_counter(), 0
    for g in groups:
        results = sandbox.execute_many(g["programs"], [g["tests"]] * GROUP, setups=[g["setup"]] * GROUP,
                                       workers=workers, limits=limits)
        passed += sum(r["status"] == "passed" for r in results)
    return time.perf_counter() - start, passed


def _pooled(workers: int, groups, one) -> tuple[float, int]:
    """``one(k, program, tests, setup) -> passed`` for every program, ``workers`` at once, group after group."""
    start, passed = time.perf_counter(), 0
    with ThreadPoolExecutor(workers) as pool:
        for g in groups:
            jobs = [(k, p, g["tests"], g["setup"]) for k, p in enumerate(g["programs"])]
            passed += sum(pool.map(lambda job: one(*job), jobs))
    return time.perf_counter() - start, passed


# The baselines are lean on purpose: output to /dev/null, a blocking wait per thread (no polling), no limits.


def _run_plain(groups, workers: int, python: str, scratch: Path) -> tuple[float, int]:
    def one(k, program, tests, setup) -> bool:
        path = scratch / f"check_{k}.py"
        path.write_text(f"{program}\n{setup}\n" + "\n".join(tests) + "\n")
        return subprocess.run([python, "-S", "-B", str(path)], cwd=scratch, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    return _pooled(workers, groups, one)


def _run_harness(groups, workers: int, python: str, scratch: Path) -> tuple[float, int]:
    boot = sandbox.harness_argv(python)  # started as the sandbox starts it
    unlimited = [str(10**6), "-1", str(1 << 20), str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
                 str(resource.getrlimit(resource.RLIMIT_NPROC)[1]), "-1"]  # limits as they are, our own uid

    def one(k, program, tests, setup) -> bool:
        plans = plan_tests(tuple(tests))
        parts = sandbox.job_parts(program, setup, tuple(tests))
        with tempfile.TemporaryFile() as result, tempfile.TemporaryFile() as job:
            job.write("\0".join(parts).encode("utf-8", "surrogatepass"))
            job.flush()
            subprocess.run([*boot, *unlimited, str(result.fileno()), str(job.fileno())], cwd=scratch, input=b"\n",
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           pass_fds=(result.fileno(), job.fileno()))
            result.seek(0)
            record = read_report(result.read(), plans)
        return record is not None and record[0] is None and all(
            judge(plan, results) is None for plan, results in zip(plans, record[1], strict=True))

    return _pooled(workers, groups, one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--problems", type=int, default=24)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4],
                        help="programs run at once; each runner is measured at each count")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout_s", type=float, default=10.0)
    args = parser.parse_args()

    groups = _groups(args.sample, args.problems)
    n = len(groups) * GROUP
    limits = sandbox.Limits(timeout_s=args.timeout_s)
    info = sandbox.sandbox_info()
    python = info["python"]
    print(f"{len(groups)} problems x {GROUP} programs = {n} per run, {len(os.sched_getaffinity(0))} CPUs; sandbox "
          f"{info['mode']} (own uid: {info['own_uid']}), {python}; default workers {sandbox.default_workers()}")
    _run_sandbox(groups[:1], 2, limits)  # warm the page cache
    scratch = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    runs = {"plain": lambda g, w: _run_plain(g, w, python, scratch),
            "harness": lambda g, w: _run_harness(g, w, python, scratch),
            "sandbox": lambda g, w: _run_sandbox(g, w, limits)}
    order = [(name, w) for w in args.workers for name in runs]
    rates: dict[tuple[str, int], list[float]] = {key: [] for key in order}
    for k in range(args.rounds):
        seconds, passed = dict.fromkeys(order, 0.0), dict.fromkeys(order, 0)
        for j, group in enumerate(groups):  # interleaved group by group: load from other jobs hits all alike
            for name, w in order if (j + k) % 2 == 0 else order[::-1]:
                s, p = runs[name]([group], w)
                seconds[name, w] += s
                passed[name, w] += p
        for key in order:
            if passed[key] != 4 * len(groups):  # the 4 references of each group pass, in every runner
                raise SystemExit(f"{key}: {passed[key]} programs passed, expected {4 * len(groups)}")
            rates[key].append(n / seconds[key])
        print(f"round {k + 1}: " + ", ".join(f"{name}@{w} {r[-1]:.1f}" for (name, w), r in rates.items())
              + " programs/s")
    shutil.rmtree(scratch)
    med = {key: statistics.median(r) for key, r in rates.items()}
    print(f"\nmedian programs/s over {args.rounds} rounds (ratio to plain subprocess at the same workers):")
    for w in args.workers:
        print(f"  workers {w}: plain {med['plain', w]:.1f}, harness without isolation {med['harness', w]:.1f}, "
              f"sandbox {med['sandbox', w]:.1f} ({med['sandbox', w] / med['plain', w]:.2f}; per round "
              + ", ".join(f"{s / p:.2f}" for s, p in zip(rates["sandbox", w], rates["plain", w], strict=True)) + ")")
    best_plain = max(med["plain", w] for w in args.workers)
    best_sandbox = max(med["sandbox", w] for w in args.workers)
    print(f"best sandbox / best plain subprocess = {best_sandbox / best_plain:.2f} (goal >= 0.80)")


if __name__ == "__main__":
    main()
