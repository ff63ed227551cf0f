"""Benchmark suites for step4: ``evaluate.py --benchmarks standard`` evaluates each named benchmark and
writes one table for them.

For each checkpoint, every benchmark is one ordinary eval (``evaluate_checkpoint``: the same
``generations.jsonl``, ``summary.json`` and contract as an eval of ``--data``, resumable chunk by chunk)
in ``<checkpoint folder>/<benchmark>/``; the model is loaded once and shared by the benchmarks, and each
benchmark's last chunk is graded while the next benchmark generates. After each
benchmark, ``benchmarks.json`` in the checkpoint folder is rewritten with accuracy, format accuracy and the
correct / wrong answer / format failure counts per benchmark, plus their unweighted average; the table is
printed at the end and logged to W&B as one table. With ``--ckpt all`` the root also gets
``suite_comparison.{md,csv,png}`` (the same view as ``compare.py`` on several checkpoints).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from r1zero.core.artifacts import atomic_write_json, atomic_write_text
from r1zero.core.prompts import get_template
from r1zero.evaluation.benchmarks import load_benchmark, parse_benchmarks, problems_sha256
from step4_eval.report import save_figure

SUITE_FILE = "benchmarks.json"
COUNT_KEYS = ("correct", "wrong_answer", "format_failure")


@dataclass
class SuiteItem:
    name: str
    where: str      # the file or hub id it was read from
    problems: object  # DataFrame in evaluate_checkpoint's shape: id, source, prompt, answer, meta
    sha256: str


def load_suite(spec: str, benchmark_dir: str | None, template: str, limit: int | None) -> list[SuiteItem]:
    """Every benchmark of ``spec``, read and checked before any model is loaded (bad input fails fast)."""
    import pandas as pd

    tpl = get_template(template)
    items = []
    for name, path in parse_benchmarks(spec, benchmark_dir):
        problems, where = load_benchmark(name, path)
        problems = problems[:limit] if limit is not None else problems
        frame = pd.DataFrame({
            "id": [p.id for p in problems], "source": [p.source for p in problems],
            "prompt": [tpl.build(p.problem) for p in problems], "answer": [p.answer for p in problems],
            "meta": [p.meta for p in problems]})
        items.append(SuiteItem(name, where, frame, problems_sha256(problems)))
    return items


class SharedEngine:
    """The checkpoint's engine, loaded on the first benchmark that has work and closed after the last."""

    def __init__(self, args, ckpt):
        self.args, self.ckpt, self.engine = args, ckpt, None
        self.load_s = self.close_s = 0.0

    def get(self):
        if self.engine is None:
            from step4_eval.evaluate import open_engine

            t0 = time.perf_counter()
            self.engine = open_engine(self.args, self.ckpt)
            self.load_s += time.perf_counter() - t0
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            t0 = time.perf_counter()
            self.engine.close()
            self.engine = None
            self.close_s += time.perf_counter() - t0


# --------------------------------------------------------------------------------------------- report

def suite_report(ckpt, summaries: dict[str, dict], items: list[SuiteItem], out_dir: Path) -> dict:
    """The benchmarks.json dict for one checkpoint from the summaries done so far."""
    rows = {}
    for item in items:
        s = summaries.get(item.name)
        if s is None:
            continue
        rows[item.name] = {"accuracy": s["accuracy"], "format_accuracy": s["format_accuracy"],
                           **{k: s["counts"][k] for k in COUNT_KEYS}, "total": s["total"],
                           "num_problems": s["num_problems"], "data": item.where,
                           "summary": str(Path(item.name) / "summary.json")}
    done = list(rows.values())
    first = next(iter(summaries.values()), {})
    contract = first.get("contract") or {}
    return {
        "checkpoint": ckpt.label, "model": ckpt.model, "step": ckpt.step,
        "protocol": {"template": contract.get("template"), "sampling": contract.get("sampling"),
                     "engine": contract.get("engine"), "grader_version": contract.get("grader_version")},
        "benchmarks": rows,
        "average": {"benchmarks": list(rows), "accuracy": statistics.fmean(r["accuracy"] for r in done) if done else None,
                    "format_accuracy": statistics.fmean(r["format_accuracy"] for r in done) if done else None},
        "complete": len(rows) == len(items),
        "folder": str(out_dir),
    }


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def suite_markdown(report: dict) -> str:
    """The per-checkpoint table: one row per benchmark, then the unweighted average."""
    lines = ["| benchmark | problems | samples | accuracy % | format % | correct | wrong | format fail |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in report["benchmarks"].items():
        lines.append(f"| {name} | {r['num_problems']} | {r['total']} | {_pct(r['accuracy'])} | "
                     f"{_pct(r['format_accuracy'])} | {r['correct']} | {r['wrong_answer']} | {r['format_failure']} |")
    avg = report["average"]
    lines.append(f"| average ({len(avg['benchmarks'])}, unweighted) | | | {_pct(avg['accuracy'])} | "
                 f"{_pct(avg['format_accuracy'])} | | | |")
    return "\n".join(lines) + "\n"


def comparison_table(reports: list[dict]) -> tuple[list[str], list[list]]:
    """Header and one row per checkpoint: step, checkpoint, accuracy per benchmark, average."""
    names: list[str] = []
    for r in reports:
        names += [n for n in r["benchmarks"] if n not in names]
    header = ["step", "checkpoint", *names, "average"]
    rows = [[r.get("step"), r["checkpoint"], *((r["benchmarks"].get(n) or {}).get("accuracy") for n in names),
             r["average"]["accuracy"]] for r in reports]
    return header, rows


def comparison_markdown(reports: list[dict]) -> str:
    header, rows = comparison_table(reports)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = ["-" if row[0] is None else str(row[0]), str(row[1]), *(_pct(v) for v in row[2:])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_comparison(reports: list[dict], path: Path) -> None:
    """Grouped bars: accuracy (%) per benchmark and on average, one bar per checkpoint."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    header, rows = comparison_table(reports)
    groups = header[2:]
    width = 0.8 / max(1, len(rows))
    fig, ax = plt.subplots(figsize=(max(6.4, 1.2 * len(groups) + 2), 4.0), dpi=120)
    for k, row in enumerate(rows):
        xs = [g + (k - (len(rows) - 1) / 2) * width for g in range(len(groups))]
        ax.bar(xs, [100 * (v or 0) for v in row[2:]], width, label=str(row[1]))
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("Benchmark accuracy by checkpoint")
    save_figure(fig, path)


def write_comparison(out_dir: Path, reports: list[dict]) -> list[Path]:
    """suite_comparison.md / .csv / .png in ``out_dir``."""
    import csv
    import io

    header, rows = comparison_table(reports)
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    paths = [out_dir / "suite_comparison.md", out_dir / "suite_comparison.csv", out_dir / "suite_comparison.png"]
    atomic_write_text(paths[0], comparison_markdown(reports))
    atomic_write_text(paths[1], buf.getvalue())
    plot_comparison(reports, paths[2])
    return paths


def log_suite_to_wandb(run, report: dict, step: int | None) -> None:
    """One ``benchmarks/table`` (a row per benchmark plus the average) and scalar accuracies."""
    import wandb

    columns = ["benchmark", "problems", "samples", "accuracy", "format_accuracy", *COUNT_KEYS]
    data = [[n, r["num_problems"], r["total"], r["accuracy"], r["format_accuracy"], *(r[k] for k in COUNT_KEYS)]
            for n, r in report["benchmarks"].items()]
    avg = report["average"]
    data.append(["average", None, None, avg["accuracy"], avg["format_accuracy"], None, None, None])
    payload = {"benchmarks/table": wandb.Table(columns=columns, data=data),
               "benchmarks/average/accuracy": avg["accuracy"], "benchmarks/average/format_accuracy": avg["format_accuracy"]}
    for n, r in report["benchmarks"].items():
        payload[f"benchmarks/{n}/accuracy"] = r["accuracy"]
        payload[f"benchmarks/{n}/format_accuracy"] = r["format_accuracy"]
    run.log(payload, step=step)


# --------------------------------------------------------------------------------------------- run

def run_checkpoint(args, ckpt, items: list[SuiteItem], out_dir: Path) -> dict:
    """Every benchmark for one checkpoint, one shared engine, largest first; each benchmark's last chunk is
    graded while the next one generates. Returns the benchmarks.json dict (rewritten after each benchmark;
    its rows keep the requested order)."""
    from step4_eval.evaluate import start_checkpoint

    engine, summaries, unfinished = SharedEngine(args, ckpt), {}, []
    t0 = time.perf_counter()

    def finish_one() -> None:  # a benchmark's last grading, its summary, and its row of the table
        item, finish = unfinished.pop()
        summaries[item.name], _ = finish()
        atomic_write_json(out_dir / SUITE_FILE, suite_report(ckpt, summaries, items, out_dir))

    try:
        # largest first: the last benchmark's last chunk is graded with nothing left to hide it, so make it small
        for item in sorted(items, key=lambda i: len(i.problems), reverse=True):
            finish = start_checkpoint(replace(args, data=item.where), ckpt, item.problems, item.sha256,
                                      out_dir / item.name, get_engine=engine.get)
            if unfinished:
                finish_one()
            unfinished.append((item, finish))
        finish_one()
    finally:
        while unfinished:  # interrupted: what was generated is still graded and summarized
            finish_one()
        engine.close()
    report = suite_report(ckpt, summaries, items, out_dir)
    report["timing"] = {"wall_s": round(time.perf_counter() - t0, 3), "engine_load_s": round(engine.load_s, 3),
                        "engine_close_s": round(engine.close_s, 3)}
    atomic_write_json(out_dir / SUITE_FILE, report)
    atomic_write_text(out_dir / "benchmarks.md", suite_markdown(report))
    return report


def run_suite(args) -> list[dict]:
    """``evaluate.py --benchmarks``: every benchmark for every checkpoint; returns the benchmarks.json dicts."""
    from step4_eval import checkpoints
    from step4_eval.evaluate import checkpoint_dir, output_root, wandb_session

    items = load_suite(args.benchmarks, args.benchmark_dir, args.template, args.limit)
    ckpts = checkpoints.resolve(args.ckpt, args.run_dir, args.base_model)
    root, many = output_root(args), args.ckpt == "all"
    names = ", ".join(i.name for i in items)
    reports = []
    with wandb_session(args, f"bench-{Path(args.run_dir).parent.name}-{args.ckpt}") as run:
        for ckpt in ckpts:
            out_dir = checkpoint_dir(args, root, ckpt)
            print(f"[bench] {ckpt.label}: {names} ({args.template} template) -> {out_dir}", flush=True)
            report = run_checkpoint(args, ckpt, items, out_dir)
            print(f"\n== {ckpt.label} (step {ckpt.step}) -> {out_dir / SUITE_FILE}\n{suite_markdown(report)}", flush=True)
            if run is not None:
                log_suite_to_wandb(run, report, ckpt.step if many else None)
            reports.append(report)
        if many:
            written = write_comparison(root, reports)
            print(comparison_markdown(reports) + f"[bench] wrote {', '.join(str(p) for p in written)}", flush=True)
    return reports
