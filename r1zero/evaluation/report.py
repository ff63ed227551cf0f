"""Eval summaries for people: the printed table, the comparison tables (markdown and CSV), and the metrics and
tables logged to W&B or TensorBoard."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from r1zero.core.errors import UserError
from r1zero.evaluation.metrics import CATEGORIES, MONITOR_FLAGS
from r1zero.evaluation.records import CODE_RECORD_FIELDS


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _spread(label: str, stats: Mapping) -> str:
    """One line for a ``r1zero.evaluation.metrics.distribution``: its mean, then p50, p90 and max."""
    return f"{label:<22} {stats['mean']:>10.1f}  mean (p50 {stats['p50']}, p90 {stats['p90']}, max {stats['max']})"


def format_summary(summary: Mapping) -> str:
    """The summary as a plain-text table: overall, the three buckets, sampling metrics, per source."""
    total, counts = summary["total"], summary["counts"]
    lines = [
        f"{'metric':<22} {'value':>10}  count",
        f"{'accuracy':<22} {_pct(summary['accuracy']):>10}  {counts['correct']}/{total}",
        f"{'format accuracy':<22} {_pct(summary['format_accuracy']):>10}  "
        f"{counts['correct'] + counts['wrong_answer']}/{total}",
    ]
    for cat in CATEGORIES:
        lines.append(f"  {cat:<20} {_pct(counts[cat] / total if total else 0):>10}  {counts[cat]}")
    lines.append(f"{'truncated':<22} {_pct(summary.get('truncation_rate', 0.0)):>10}  {summary.get('truncated', 0)}")
    if summary.get("grader_timeouts") and "code" not in summary:
        lines.append(f"{'grader timeouts':<22} {'':>10}  {summary['grader_timeouts']}")
    if "code" in summary:
        code = summary["code"]
        lines.append(f"{'tests passed (mean)':<22} {_pct(code['mean_pass_fraction']):>10}")
        lines.append(f"{'program timeouts':<22} {'':>10}  {code['timeouts']}")
        lines.append(f"{'program errors':<22} {'':>10}  {code['errors']}")
    for key, value in summary.items():
        if key.startswith(("pass@", "maj@", "mean@")):
            lines.append(f"{key:<22} {_pct(value):>10}")
    if "completion_tokens" in summary:
        lines.append(_spread("completion tokens", summary["completion_tokens"]))
    if "answer_monitor" in summary:  # the reward-hacking monitor
        mon = summary["answer_monitor"]
        for flag, label in zip(MONITOR_FLAGS, ("several answers", "relation as answer", "cover-all answer"),
                               strict=True):
            lines.append(f"{label:<22} {_pct(mon[flag]):>10}")
        if "answer_chars" in mon:
            lines.append(_spread("answer characters", mon["answer_chars"]))
    timing = summary.get("timing") or {}
    if timing.get("tokens_per_s"):
        lines.append(f"{'generated tokens/s':<22} {timing['tokens_per_s']:>10.1f}  "
                     f"({timing.get('generation_s', 0):.1f} s generating, {timing.get('wall_s', 0):.1f} s wall)")
    by_source = summary.get("by_source") or {}
    if by_source:
        width = max(12, *(len(s) for s in by_source))
        lines += ["", f"{'source':<{width}} {'samples':>8} {'accuracy':>9} {'format':>9} {'correct':>8} "
                      f"{'wrong':>8} {'fmt-fail':>8} {'trunc':>7}"]
        for src, b in by_source.items():
            c = b["counts"]
            lines.append(f"{src:<{width}} {b['total']:>8} {_pct(b['accuracy']):>9} {_pct(b['format_accuracy']):>9} "
                         f"{c['correct']:>8} {c['wrong_answer']:>8} {c['format_failure']:>8} {b.get('truncated', 0):>7}")
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence], cell: Callable[[str, object], str] | None = None) -> str:
    """A markdown table: ``cell(column, value)`` writes each value (default ``str``); None is always ``-``."""
    cell = cell or (lambda column, value: str(value))

    def line(cells) -> str:
        return "| " + " | ".join(cells) + " |"

    body = [line("-" if v is None else cell(h, v) for h, v in zip(header, row, strict=True)) for row in rows]
    return "\n".join([line(header), "|" + "---|" * len(header), *body]) + "\n"


def write_table(md_path: Path, csv_path: Path, header: Sequence[str], rows: Sequence[Sequence],
                cell: Callable[[str, object], str] | None = None) -> str:
    """The table as markdown (cells written by ``cell``) and as CSV (the values as they are); returns the markdown."""
    import csv
    import io

    from r1zero.core.artifacts import atomic_write_text

    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    text = markdown_table(header, rows, cell)
    atomic_write_text(csv_path, buf.getvalue())
    atomic_write_text(md_path, text)
    return text


def flat_metrics(summary: Mapping, prefix: str = "eval") -> dict[str, float]:
    """Scalar metrics for ``wandb.log`` and TensorBoard: overall rates, bucket counts, sampling metrics, per-source accuracy."""
    out = {f"{prefix}/{k}": summary[k] for k in ("accuracy", "format_accuracy", "truncation_rate", "total")
           if k in summary}
    out.update({f"{prefix}/{cat}": summary["counts"][cat] for cat in CATEGORIES})
    out.update({f"{prefix}/{k}": v for k, v in summary.items() if k.startswith(("pass@", "maj@", "mean@"))})
    if "completion_tokens" in summary:
        out[f"{prefix}/completion_tokens_mean"] = summary["completion_tokens"]["mean"]
    if "code" in summary:
        out.update({f"{prefix}/code_{k}": summary["code"][k] for k in ("mean_pass_fraction", "timeouts", "errors")})
    if "answer_monitor" in summary:
        mon = summary["answer_monitor"]
        out.update({f"{prefix}/monitor/{flag}": mon[flag] for flag in MONITOR_FLAGS})
        if "answer_chars" in mon:
            out[f"{prefix}/monitor/answer_chars_mean"] = mon["answer_chars"]["mean"]
    for src, block in (summary.get("by_source") or {}).items():
        out[f"{prefix}/by_source/{src}/accuracy"] = block["accuracy"]
        out[f"{prefix}/by_source/{src}/format_accuracy"] = block["format_accuracy"]
    timing = summary.get("timing") or {}
    if timing.get("tokens_per_s"):
        out[f"{prefix}/tokens_per_s"] = timing["tokens_per_s"]
    return out


SAMPLE_COLUMNS = ("id", "source", "sample_index", "prompt", "completion", "gold", "extracted_answer",
                  "category", "format_reward", "answer_reward", "completion_tokens", "finish_reason",
                  *MONITOR_FLAGS)


def samples_table(records: Sequence[Mapping], max_rows: int | None = 200):
    """A ``wandb.Table`` of graded samples (the first ``max_rows``; None for all)."""
    import wandb

    rows = records if max_rows is None else records[:max_rows]
    columns = SAMPLE_COLUMNS + (CODE_RECORD_FIELDS if rows and "run_status" in rows[0] else ())
    return wandb.Table(columns=list(columns), data=[[r.get(c) for c in columns] for r in rows])


SOURCE_COLUMNS = ("source", "total", "accuracy", "format_accuracy", "correct", "wrong_answer", "format_failure",
                  "truncation_rate")


def sources_table(summary: Mapping):
    """A ``wandb.Table`` with one row per source (and one for ``all``)."""
    import wandb

    def row(name, b):
        return [name, b["total"], b["accuracy"], b["format_accuracy"], *(b["counts"][c] for c in CATEGORIES),
                b.get("truncation_rate", 0.0)]

    data = [row(src, b) for src, b in (summary.get("by_source") or {}).items()] + [row("all", summary)]
    return wandb.Table(columns=list(SOURCE_COLUMNS), data=data)


def log_to_wandb(summary: Mapping, records: Sequence[Mapping], *, prefix: str = "eval", step: int | None = None,
                 max_rows: int | None = 200, run=None) -> None:
    """Log metrics plus the samples and sources tables to ``run`` (default: the active ``wandb.run``).

    Does nothing when no run is active (W&B off, or ``WANDB_MODE=disabled`` gives a no-op run).
    """
    import wandb

    run = run or wandb.run
    if run is None:
        return
    payload = {**flat_metrics(summary, prefix), f"{prefix}/samples": samples_table(records, max_rows),
               f"{prefix}/sources": sources_table(summary)}
    run.log(payload, step=step)


@contextmanager
def wandb_session(report_to: str, project: str, name: str, config) -> Iterator:
    """A W&B run for a ``with`` block when reporting is on (``report_to`` wandb, or auto with WANDB_MODE or
    WANDB_API_KEY set; WANDB_MODE=disabled always wins), else None; finished at the end, whatever happens."""
    mode = os.environ.get("WANDB_MODE", "")
    off = report_to in ("none", "tensorboard") or mode == "disabled" or (
        report_to == "auto" and not (mode or os.environ.get("WANDB_API_KEY")))
    if off:
        yield None
        return
    import wandb

    from r1zero.core.artifacts import to_jsonable

    run = wandb.init(project=project, name=name, job_type="eval", config=to_jsonable(config))
    try:
        yield run
    finally:
        run.finish()


@contextmanager
def tensorboard_session(report_to: str, log_root: str | Path) -> Iterator:
    """A TensorBoard writer for a ``with`` block when ``report_to`` is tensorboard, else None; closed at the end.
    Its event files go to a new ``<log_root>/runs/<date>_<host>/``, named as the training stages name theirs."""
    if report_to != "tensorboard":
        yield None
        return
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch's module needs the tensorboard package
        raise UserError("report_to: tensorboard needs the tensorboard package (a project dependency): "
                        "pip install tensorboard, or rerun `make setup`") from None
    writer = SummaryWriter(log_dir=str(Path(log_root) / "runs" / f"{datetime.now():%b%d_%H-%M-%S}_{socket.gethostname()}"))
    try:
        yield writer
    finally:
        writer.close()


def log_scalars(writer, scalars: Mapping[str, float], step: int | None) -> None:
    """The numeric ``scalars`` at ``step`` (the checkpoint's training step; 0 for a model without one)."""
    for tag, value in scalars.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            writer.add_scalar(tag, value, step or 0)
