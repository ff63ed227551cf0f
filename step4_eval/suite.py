"""Benchmark suites for step4: ``evaluate.py --benchmarks standard`` evaluates each named benchmark and
writes one table for them.

For each checkpoint, every benchmark is one ordinary ``EvalJob`` (``step4_eval/runner.py``: the same
``generations.jsonl``, ``summary.json`` and contract as an eval of ``--data``, resumable chunk by chunk)
in ``<checkpoint folder>/<benchmark>/``; the model is loaded once and shared by the benchmarks, and each
benchmark's last chunk is graded while the next benchmark generates. After each
benchmark, ``benchmarks.json`` in the checkpoint folder is rewritten with accuracy, format accuracy and the
correct / wrong answer / format failure counts per benchmark, plus their unweighted average
(``step4_eval/suite_report.py``); the table is printed at the end and logged to W&B as one table. With
``--ckpt all`` the root also gets ``suite_comparison.{md,csv,png}`` (the same view as ``compare.py`` on
several checkpoints).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from r1zero.core.artifacts import atomic_write_json, atomic_write_text
from r1zero.core.chat import PromptFormat
from r1zero.evaluation.benchmarks import load_benchmark, parse_benchmarks, problems_sha256
from r1zero.evaluation.report import log_scalars, tensorboard_session, wandb_session
from step4_eval import checkpoints
from step4_eval.args import EvalArgs
from step4_eval.runner import Evaluator
from step4_eval.suite_report import (
    SUITE_FILE,
    log_suite_to_wandb,
    suite_markdown,
    suite_report,
    suite_scalars,
    write_comparison,
)


@dataclass
class SuiteItem:
    name: str
    where: str      # the file or hub id it was read from
    problems: object  # DataFrame in an EvalJob's shape: id, source, prompt, answer, meta
    sha256: str


def load_suite(spec: str, benchmark_dir: str | None, fmt: PromptFormat, limit: int | None) -> list[SuiteItem]:
    """Every benchmark of ``spec``, read and checked before any model is loaded (bad input fails fast). A chat
    ``fmt``'s prompts are rendered per checkpoint, by its tokenizer (``runner.Evaluator``)."""
    import pandas as pd

    items = []
    for name, path in parse_benchmarks(spec, benchmark_dir):
        problems, where = load_benchmark(name, path)
        problems = problems[:limit] if limit is not None else problems
        frame = pd.DataFrame({
            "id": [p.id for p in problems], "source": [p.source for p in problems],
            "problem": [p.problem for p in problems],
            "prompt": [None if fmt.chat else fmt.render(p.problem) for p in problems],
            "answer": [p.answer for p in problems],
            "meta": [p.meta for p in problems]})
        items.append(SuiteItem(name, where, frame, problems_sha256(problems)))
    return items


def run_checkpoint(args: EvalArgs, ckpt: checkpoints.Checkpoint, items: list[SuiteItem], out_dir: Path) -> dict:
    """Every benchmark for one checkpoint, one shared engine, largest first; each benchmark's last chunk is
    graded while the next one generates. Returns the benchmarks.json dict (rewritten after each benchmark;
    its rows keep the requested order)."""
    evaluator, summaries, unfinished = Evaluator(args, ckpt, keep_engine=True), {}, []
    sources = {item.name: item.where for item in items}
    t0 = time.perf_counter()

    def finish_one() -> None:  # a benchmark's last grading, its summary, and its row of the table
        name, finish = unfinished.pop()
        summaries[name] = finish().summary
        atomic_write_json(out_dir / SUITE_FILE, suite_report(ckpt, summaries, sources, out_dir))

    try:
        # largest first: the last benchmark's last chunk is graded with nothing left to hide it, so make it small
        for item in sorted(items, key=lambda i: len(i.problems), reverse=True):
            job = evaluator.job(item.problems, item.sha256, out_dir / item.name, data=item.where)
            finish = evaluator.start(job)
            if unfinished:
                finish_one()
            unfinished.append((item.name, finish))
        finish_one()
    finally:
        while unfinished:  # interrupted: what was generated is still graded and summarized
            finish_one()
        evaluator.close()
    report = suite_report(ckpt, summaries, sources, out_dir)
    report["timing"] = {"wall_s": round(time.perf_counter() - t0, 3), "engine_load_s": round(evaluator.load_s, 3),
                        "engine_close_s": round(evaluator.close_s, 3)}
    atomic_write_json(out_dir / SUITE_FILE, report)
    atomic_write_text(out_dir / "benchmarks.md", suite_markdown(report))
    return report


def run_suite(args: EvalArgs) -> list[dict]:
    """``evaluate.py --benchmarks``: every benchmark for every checkpoint; returns the benchmarks.json dicts."""
    ckpts = checkpoints.resolve(args.ckpt, args.run_dir, args.base_model)
    args.adopt_training_format(ckpts[-1])
    fmt = args.prompt_format()
    items = load_suite(args.benchmarks, args.benchmark_dir, fmt, args.limit)
    many = args.ckpt == "all"
    names = ", ".join(i.name for i in items)
    reports = []
    with wandb_session(args.report_to, args.wandb_project, f"bench-{Path(args.run_dir).parent.name}-{args.ckpt}",
                       args) as run, tensorboard_session(args.report_to, args.tensorboard_root(ckpts)) as board:
        for ckpt in ckpts:
            out_dir = args.checkpoint_dir(ckpt)
            print(f"[bench] {ckpt.label}: {names} ({fmt.name} template) -> {out_dir}", flush=True)
            report = run_checkpoint(args, ckpt, items, out_dir)
            print(f"\n== {ckpt.label} (step {ckpt.step}) -> {out_dir / SUITE_FILE}\n{suite_markdown(report)}", flush=True)
            if run is not None:
                log_suite_to_wandb(run, report, ckpt.step if many else None)
            if board is not None:
                log_scalars(board, suite_scalars(report), ckpt.step)
            reports.append(report)
        if many:
            written = write_comparison(args.output_root(), reports)
            print(written[0].read_text() + f"[bench] wrote {', '.join(str(p) for p in written)}", flush=True)
    return reports
