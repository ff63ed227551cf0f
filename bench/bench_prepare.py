"""Benchmark step1_data/prepare.py against a yardstick measured in the same run.

It synthesizes NuminaMath-CoT-shaped rows with realistic lengths (problems ~400 characters, solutions
~2,000, log-normal; NuminaMath's source mix; a few percent of proofs, unboxed solutions, multiple choice
and duplicates), then times, each as a child process (interpreter start included for both):
  yardstick  read the parquet (pyarrow), extract the last box per row, write train/val parquet;
  prepare    ``step1_data/prepare.py --config config/data.yaml`` (the default config).
It prints the time ratio (goal: <= 5x), seconds per 100k rows at each size (linearity), and the peak
memory of each child: the largest single process (wait4 ru_maxrss) and the sampled sum over its process
tree (workers included; RSS counts the page cache of memory-mapped Arrow files, which the kernel can
drop, so it is an upper bound) and that tree's anonymous PSS ("anon": what it really owns; forked
workers' shared pages counted once).

CPU only. Default (~1-3 minutes on 2 cores): sizes 25k and 100k.
    python bench/bench_prepare.py [--rows 25000 100000] [--workdir outputs/bench_prepare] [--num_proc N]
    python bench/bench_prepare.py --rows 1000000          # the memory goal (< 4 GB at 1M rows)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# NuminaMath-CoT's source mix (rounded shares of its 859,494 rows).
SOURCES = {"cn_k12": 0.32, "synthetic_math": 0.19, "orca_math": 0.18, "olympiads": 0.17, "synthetic_amc": 0.07,
           "aops_forum": 0.035, "math": 0.009, "gsm8k": 0.009, "amc_aime": 0.005}
WORDS = ("the of and to a in is that for it as with be on by this are let find value number we so then "
         "since which triangle circle function sequence integer sum product equation solve given point line "
         "$x$ $y$ $n$ $a_n$ $f(x)$ $\\frac{1}{2}$ $x^2$ $\\sqrt{3}$ $\\pi$ $2x+3=7$ $\\angle ABC$ = + - \\cdot").split()


def _rows(rng, corpus: str, n: int) -> dict:
    """``n`` synthetic rows as columns (see the module docstring for the mix)."""
    import numpy as np

    p_len = np.clip(rng.lognormal(np.log(330), 0.6, n), 40, 6000).astype(int)
    s_len = np.clip(rng.lognormal(np.log(1600), 0.65, n), 100, 12000).astype(int)
    p_at = rng.integers(0, len(corpus) - 6001, n)
    s_at = rng.integers(0, len(corpus) - 12001, n)
    kind = rng.random(n)
    names, probs = list(SOURCES), np.array(list(SOURCES.values()))
    source = rng.choice(names, size=n, p=probs / probs.sum()).tolist()
    answers = rng.integers(-999, 9999, n)
    problems, solutions = [], []
    for i in range(n):
        problem = corpus[p_at[i] : p_at[i] + p_len[i]] + " What is the value?"
        body = corpus[s_at[i] : s_at[i] + s_len[i]]
        k = kind[i]
        if k < 0.03:  # proof
            problem, solution = "Prove that " + problem, body + " $\\blacksquare$"
        elif k < 0.05:  # no box
            solution = body + f" The answer is {answers[i]}."
        elif k < 0.07:  # multiple choice
            problem += " (A) 1 (B) 2 (C) 3 (D) 4"
            solution = body + " So the answer is $\\boxed{B}$."
        elif k < 0.08 and problems:  # duplicate of the previous problem
            problem, solution = problems[-1], body + f" Thus $\\boxed{{{answers[i]}}}$."
        else:
            solution = body + f" Therefore the answer is $\\boxed{{\\frac{{{answers[i]}}}{{2}}}}$."
        problems.append(problem)
        solutions.append(solution)
    return {"source": source, "problem": problems, "solution": solutions,
            "messages": [[{"role": "user", "content": p}] for p in problems]}


def synthesize(path: Path, rows: int, seed: int = 0, chunk: int = 50_000) -> Path:
    """Write ``rows`` NuminaMath-shaped rows to ``path`` (parquet), reusing a file already made.

    Written ``chunk`` rows at a time in 10k-row row groups (the hub's NuminaMath files use small row
    groups too), so making 1M rows needs little memory.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.is_file() and pq.ParquetFile(path).metadata.num_rows == rows:
        return path
    rng = np.random.default_rng(seed)
    # One long random text; rows are slices of it at random offsets, so texts are distinct and cheap.
    corpus = " ".join(rng.choice(WORDS, size=3_000_000).tolist())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, chunk):
        table = pa.table(_rows(rng, corpus, min(chunk, rows - start)))
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=10_000)
    writer.close()
    tmp.replace(path)
    return path


def yardstick(src: str, out_dir: str, val_size: int = 5000, seed: int = 42) -> None:
    """The minimal job: read, extract the last box, write train/val. Runs as a child process."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from step1_data.answers import last_boxed

    table = pq.read_table(src, columns=["source", "problem", "solution"])
    answers = [last_boxed(s)[1] for s in table.column("solution").to_pylist()]
    table = table.append_column("answer", pa.array(answers, pa.string()))
    perm = np.random.default_rng(seed).permutation(table.num_rows)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.take(perm[val_size:]), out / "train.parquet")
    pq.write_table(table.take(perm[:val_size]), out / "val.parquet")


def _pss_anon(pid: int) -> int:
    """Anonymous proportional set size in bytes: the memory a process really owns (forked workers'
    copy-on-write pages counted once, page cache of memory-mapped files left out). Linux only."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss_Anon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_child(cmd: list[str]) -> dict:
    """Run ``cmd``; wall seconds, peak RSS of its largest process, sampled peak RSS of its process tree."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"})
    peak = {"tree": 0, "pss": 0}
    done = threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                peak["tree"] = max(peak["tree"], sum(p.memory_info().rss for p in procs))
                peak["pss"] = max(peak["pss"], sum(_pss_anon(p.pid) for p in procs))
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-2000:]}")
    return {"seconds": seconds, "max_rss_gb": usage.ru_maxrss / 2**20, "tree_rss_gb": peak["tree"] / 2**30,
            "tree_anon_gb": peak["pss"] / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--workdir", default="outputs/bench_prepare")
    parser.add_argument("--num_proc", type=int, default=None, help="passed to prepare.py (default: its own)")
    parser.add_argument("--yardstick", nargs=3, metavar=("SRC", "OUT", "VAL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.yardstick:
        return yardstick(args.yardstick[0], args.yardstick[1], int(args.yardstick[2]))
    work = (REPO / args.workdir).resolve()
    results = []
    for rows in args.rows:
        t0 = time.perf_counter()
        src = synthesize(work / f"numina_like_{rows}.parquet", rows)
        print(f"[{rows:,} rows] input ready ({time.perf_counter() - t0:.1f} s, {src.stat().st_size / 2**20:.0f} MiB)",
              flush=True)
        val = str(min(5000, rows // 20))  # prepare.py's default 5,000 val rows, scaled down for tiny runs
        yard = run_child([sys.executable, __file__, "--yardstick", str(src), str(work / f"yard_{rows}"), val])
        print(f"[{rows:,} rows] yardstick {yard['seconds']:.1f} s", flush=True)
        cmd = [sys.executable, "step1_data/prepare.py", "--config", "config/data.yaml", "--input", str(src),
               "--output_dir", str(work / f"prep_{rows}"), "--val_size", val]
        if args.num_proc:
            cmd += ["--num_proc", str(args.num_proc)]
        prep = run_child(cmd)
        stats = json.loads((work / f"prep_{rows}" / "stats.json").read_text())
        print(f"[{rows:,} rows] prepare   {prep['seconds']:.1f} s  ratio {prep['seconds'] / yard['seconds']:.2f}x",
              flush=True)
        results.append({"rows": rows, "yardstick": yard, "prepare": prep, "ratio": prep["seconds"] / yard["seconds"],
                        "rejected": sum(stats["rejected"].values())})

    print(f"\n{'rows':>10}  {'yardstick s':>11}  {'prepare s':>9}  {'ratio':>6}  {'prep s/100k':>11}  "
          f"{'prep max RSS':>12}  {'prep tree RSS':>13}  {'prep tree anon':>14}  {'yard tree RSS':>13}")
    for r in results:
        print(f"{r['rows']:>10,}  {r['yardstick']['seconds']:>11.1f}  {r['prepare']['seconds']:>9.1f}  "
              f"{r['ratio']:>5.2f}x  {r['prepare']['seconds'] / r['rows'] * 1e5:>11.1f}  "
              f"{r['prepare']['max_rss_gb']:>10.2f}GB  {r['prepare']['tree_rss_gb']:>11.2f}GB  "
              f"{r['prepare']['tree_anon_gb']:>12.2f}GB  "
              f"{r['yardstick']['tree_rss_gb']:>11.2f}GB")
    if len(results) > 1:
        a, b = results[0], results[-1]
        per_a, per_b = a["prepare"]["seconds"] / a["rows"], b["prepare"]["seconds"] / b["rows"]
        print(f"linearity: time per row at {b['rows']:,} rows is {per_b / per_a:.2f}x that at {a['rows']:,} "
              "(1.0 = linear; below 1 = fixed start-up cost amortised)")
    print(f"goal: ratio <= 5x -> {'met' if results[-1]['ratio'] <= 5 else 'NOT met'} at {results[-1]['rows']:,} rows")
    (work / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
