"""Eval outputs for people: finished evals read back and named, the comparison table of several checkpoints
with its learning curve, and figures saved."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from r1zero.core.artifacts import atomic_write_bytes
from r1zero.core.errors import UserError
from r1zero.evaluation.job import SUMMARY
from r1zero.evaluation.metrics import MONITOR_FLAGS
from r1zero.evaluation.records import GENERATIONS, read_generations
from r1zero.evaluation.report import write_table


def load_eval(path: str | Path) -> tuple[dict, list[dict]]:
    """summary.json and the rows of generations.jsonl from an eval folder (or either file's path)."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    summary_path, gen_path = folder / SUMMARY, folder / GENERATIONS
    if not summary_path.is_file() or not gen_path.is_file():
        raise UserError(f"{folder} is not a finished eval (needs {SUMMARY} and {GENERATIONS})")
    return json.loads(summary_path.read_text()), read_generations(gen_path)[0]


def folder_labels(paths: Sequence[str | Path]) -> list[str]:
    """A name for each eval folder (or a file in it), distinct among them: the last parts of its path, ``eval``
    folders left out, as few as tell them apart (``outputs/a/eval/final``, ``outputs/b/eval/final``: ``a/final``,
    ``b/final``)."""
    folders = [Path(p).parent if Path(p).is_file() else Path(p) for p in paths]
    parts = [[p for p in f.resolve().parts if p != "eval"] for f in folders]
    for k in range(1, max(len(p) for p in parts) + 1):
        labels = ["/".join(p[-k:]) for p in parts]
        if len(set(labels)) == len(labels):
            return labels
    return [str(f) for f in paths]  # one folder given twice


def _sampling_keys(summaries: Sequence[Mapping]) -> list[str]:
    keys: list[str] = []
    for s in summaries:
        keys += [k for k in s if k.startswith(("pass@", "maj@", "mean@")) and k not in keys]
    return keys


def comparison_rows(summaries: Sequence[Mapping]) -> tuple[list[str], list[list]]:
    """Header and one row per summary: step, checkpoint, the rates, sampling metrics, length, truncation and
    the reward-hacking monitor's shares (several answers, relations, cover-all answers)."""
    extra = _sampling_keys(summaries)
    header = ["step", "checkpoint", "accuracy", "format_accuracy", "correct", "wrong_answer", "format_failure",
              *extra, "mean_tokens", "truncation_rate", *MONITOR_FLAGS]
    rows = []
    for s in summaries:
        c, monitor = s["counts"], s.get("answer_monitor") or {}
        rows.append([s.get("step"), s.get("checkpoint"), s["accuracy"], s["format_accuracy"], c["correct"],
                     c["wrong_answer"], c["format_failure"], *(s.get(k) for k in extra),
                     (s.get("completion_tokens") or {}).get("mean"), s.get("truncation_rate"),
                     *(monitor.get(flag) for flag in MONITOR_FLAGS)])
    return header, rows


def comparison_cell(column: str, value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if column == "mean_tokens" else f"{100 * value:.2f}%"
    return str(value)


def write_comparison(out_dir: Path, summaries: Sequence[Mapping]) -> list[Path]:
    """comparison.md, comparison.csv and learning_curve.png in ``out_dir``."""
    paths = [out_dir / "comparison.md", out_dir / "comparison.csv", out_dir / "learning_curve.png"]
    write_table(paths[0], paths[1], *comparison_rows(summaries), cell=comparison_cell)
    plot_learning_curve(summaries, paths[2])
    return paths


def plot_learning_curve(summaries: Sequence[Mapping], path: Path) -> None:
    """Accuracy and format accuracy (percent) against training step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted((s["step"], s["accuracy"], s["format_accuracy"]) for s in summaries if s.get("step") is not None)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    if points:
        steps, acc, fmt = zip(*points, strict=True)
        ax.plot(steps, [100 * a for a in acc], marker="o", label="accuracy")
        ax.plot(steps, [100 * f for f in fmt], marker="s", label="format accuracy")
    ax.set_xlabel("training step (0 = base model)")
    ax.set_ylabel("% of samples")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Eval over checkpoints")
    save_figure(fig, path)


def save_figure(fig, path: Path) -> None:
    """Write a matplotlib figure as PNG, atomically, and free it."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
