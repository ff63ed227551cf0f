"""The benchmark suite's tables: ``benchmarks.json`` and ``benchmarks.md`` per checkpoint (a row per benchmark
plus their unweighted average), ``suite_comparison.{md,csv,png}`` across checkpoints, and the W&B table."""

from __future__ import annotations

import statistics
from pathlib import Path

from r1zero.evaluation.job import SUMMARY
from r1zero.evaluation.report import write_table
from step4_eval.report import save_figure

SUITE_FILE = "benchmarks.json"
COUNT_KEYS = ("correct", "wrong_answer", "format_failure")


def suite_report(ckpt, summaries: dict[str, dict], sources: dict[str, str], out_dir: Path) -> dict:
    """The benchmarks.json dict for one checkpoint from the summaries done so far; ``sources`` maps each
    benchmark, in the requested order, to the file or hub id it was read from."""
    rows = {}
    for name, where in sources.items():
        s = summaries.get(name)
        if s is None:
            continue
        rows[name] = {"accuracy": s["accuracy"], "format_accuracy": s["format_accuracy"],
                      **{k: s["counts"][k] for k in COUNT_KEYS}, "total": s["total"],
                      "num_problems": s["num_problems"], "data": where, "summary": str(Path(name) / SUMMARY)}
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
        "complete": len(rows) == len(sources),
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


def write_comparison(out_dir: Path, reports: list[dict], labels: list[str] | None = None) -> list[Path]:
    """suite_comparison.md / .csv / .png in ``out_dir``; ``labels`` name the rows (default: their checkpoints)."""
    if labels is not None:
        reports = [{**r, "checkpoint": label} for r, label in zip(reports, labels, strict=True)]
    paths = [out_dir / "suite_comparison.md", out_dir / "suite_comparison.csv", out_dir / "suite_comparison.png"]
    write_table(paths[0], paths[1], *comparison_table(reports), cell=lambda column, value: (
        str(value) if column in ("step", "checkpoint") else _pct(value)))
    plot_comparison(reports, paths[2])
    return paths


def suite_scalars(report: dict) -> dict[str, float]:
    """The average's and each benchmark's accuracy and format accuracy, as W&B and TensorBoard log them."""
    avg = report["average"]
    scalars = {"benchmarks/average/accuracy": avg["accuracy"], "benchmarks/average/format_accuracy": avg["format_accuracy"]}
    for n, r in report["benchmarks"].items():
        scalars[f"benchmarks/{n}/accuracy"] = r["accuracy"]
        scalars[f"benchmarks/{n}/format_accuracy"] = r["format_accuracy"]
    return scalars


def log_suite_to_wandb(run, report: dict, step: int | None) -> None:
    """One ``benchmarks/table`` (a row per benchmark plus the average) and scalar accuracies."""
    import wandb

    columns = ["benchmark", "problems", "samples", "accuracy", "format_accuracy", *COUNT_KEYS]
    data = [[n, r["num_problems"], r["total"], r["accuracy"], r["format_accuracy"], *(r[k] for k in COUNT_KEYS)]
            for n, r in report["benchmarks"].items()]
    avg = report["average"]
    data.append(["average", None, None, avg["accuracy"], avg["format_accuracy"], None, None, None])
    run.log({"benchmarks/table": wandb.Table(columns=columns, data=data), **suite_scalars(report)}, step=step)
