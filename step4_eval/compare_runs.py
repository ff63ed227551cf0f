"""One table and one plot across training runs (a sweep, or any runs' evals), failed runs marked.

    # a sweep folder made by runs/sweep.py (its sweep.json names the runs, their settings and status)
    python step4_eval/compare_runs.py outputs/sweeps/lr-loss
    # any eval folders (each named by its path, as much of it as tells them apart), written to --out
    python step4_eval/compare_runs.py outputs/a/eval outputs/b/eval --out outputs/compare

Writes runs.md, runs.csv and runs.png: per run its settings, status, eval accuracy / format accuracy /
truncation / mean length, and from its training folder (when known) the steps, training time and the
last logged mean reward; the plot shows eval accuracy per run beside the training reward curves. Evals
made under different contracts (other data, sampling or grader) are flagged, since their numbers do not
compare like for like. CPU only, instant.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

from r1zero.core.artifacts import atomic_write_text
from r1zero.core.errors import UserError, run_cli
from r1zero.evaluation.contract import describe_diff
from r1zero.evaluation.job import SUMMARY
from r1zero.evaluation.report import markdown_table
from step4_eval.report import folder_labels, save_figure

SWEEP_FILE = "sweep.json"
METRICS = ("accuracy", "format_accuracy", "truncation_rate")


def load_runs(paths: list[str]) -> tuple[list[dict], dict]:
    """Run entries (name, params, status, error, train_dir, eval_dir) and the sweep's own record (or {})."""
    if len(paths) == 1 and (Path(paths[0]) / SWEEP_FILE).is_file():
        sweep = json.loads((Path(paths[0]) / SWEEP_FILE).read_text())
        return sweep["runs"], sweep
    for path in map(Path, paths):
        if not (path / SUMMARY).is_file():
            raise UserError(f"{path} is neither a sweep folder (no {SWEEP_FILE}) nor an eval folder (no {SUMMARY})")
    return [{"name": name, "params": {}, "status": "ok", "eval_dir": str(Path(path))}
            for name, path in zip(folder_labels(paths), paths, strict=True)], {}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def reward_curve(train_dir: str | None) -> list[tuple[int, float]]:
    """(step, mean reward) from the training folder's trainer_state.json log history."""
    state = _read_json(Path(train_dir) / "trainer_state.json") if train_dir else None
    return [(h["step"], h["reward"]) for h in (state or {}).get("log_history", []) if "reward" in h]


def run_row(run: dict) -> dict:
    """One table row: the run's settings and status, its eval numbers and its training facts."""
    summary = _read_json(Path(run["eval_dir"]) / SUMMARY) if run.get("eval_dir") else None
    manifest = (_read_json(Path(run["train_dir"]) / "manifest.json") or {}) if run.get("train_dir") else {}
    curve = reward_curve(run.get("train_dir"))
    row = {"run": run["name"], **run.get("params", {}), "status": run.get("status", "ok")}
    for key in METRICS:
        row[key] = summary.get(key) if summary else None
    row["mean_tokens"] = ((summary or {}).get("completion_tokens") or {}).get("mean")
    row["train_steps"] = manifest.get("global_step")
    row["train_s"] = manifest.get("train_seconds")
    row["last_reward"] = curve[-1][1] if curve else None
    row["error"] = run.get("error") or ""
    row["_summary"], row["_curve"] = summary, curve
    return row


def _cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key in METRICS:
        return f"{100 * value:.2f}%"
    if isinstance(value, float):
        return f"{value:.3g}" if key not in ("mean_tokens", "train_s") else f"{value:.1f}"
    return str(value).replace("|", "/")


def table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = [k for k in rows[0] if not k.startswith("_")] if rows else []
    for row in rows[1:]:
        header += [k for k in row if not k.startswith("_") and k not in header]
    return header, [[_cell(h, row.get(h)) for h in header] for row in rows]


def markdown(rows: list[dict]) -> str:
    return markdown_table(*table(rows))


def contract_warnings(rows: list[dict]) -> list[str]:
    """Runs whose eval contract differs from the first evaluated run's."""
    done = [r for r in rows if r["_summary"]]
    if not done:
        return []
    first = done[0]
    out = []
    for row in done[1:]:
        diff = describe_diff(first["_summary"].get("contract"), row["_summary"].get("contract"))
        if diff:
            out.append(f"{row['run']} vs {first['run']}: {diff}")
    return out


def plot(rows: list[dict], path: Path, title: str) -> None:
    """Eval accuracy per run (failed runs marked) beside each run's training reward over steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (bars, curves) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    names = [r["run"] for r in rows]
    y = range(len(rows))
    acc = [100 * (r["accuracy"] or 0) for r in rows]
    fmt = [100 * (r["format_accuracy"] or 0) for r in rows]
    bars.barh([i + 0.2 for i in y], fmt, height=0.4, color="lightsteelblue", label="format accuracy")
    bars.barh([i - 0.2 for i in y], acc, height=0.4, color="tab:blue", label="accuracy")
    for i, row in enumerate(rows):
        failed = row["accuracy"] is None
        bars.text(max(acc[i], fmt[i]), i, " " + (row["status"].upper() if failed else f"{acc[i]:.1f}%"),
                  va="center", fontsize=8, color="tab:red" if failed else "black")
    bars.set_yticks(list(y), names, fontsize=7)
    bars.invert_yaxis()
    bars.set_xlabel("eval, % of samples")
    bars.set_xlim(0, max([*acc, *fmt, 1.0]) * 1.35)
    bars.legend(fontsize=7, loc="lower right")
    for row in rows:
        if row["_curve"]:
            steps, rewards = zip(*row["_curve"], strict=True)
            curves.plot(steps, rewards, marker=".", label=row["run"])
    curves.set_xlabel("training step")
    curves.set_ylabel("mean reward")
    curves.grid(alpha=0.3)
    if any(r["_curve"] for r in rows):
        curves.legend(fontsize=7)
    fig.suptitle(title)
    save_figure(fig, path)


def write_report(runs: list[dict], out_dir: Path, title: str = "runs") -> tuple[list[dict], list[Path]]:
    """runs.md, runs.csv and runs.png in ``out_dir``; returns the rows and the files."""
    if not runs:
        raise UserError("no runs to compare")
    rows = [run_row(r) for r in runs]
    header, cells = table(rows)
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *cells])
    text = markdown(rows)
    warnings = contract_warnings(rows)
    if warnings:
        text += "\nNot comparable like for like (eval contracts differ):\n" + "".join(f"- {w}\n" for w in warnings)
    atomic_write_text(out_dir / "runs.csv", buf.getvalue())
    atomic_write_text(out_dir / "runs.md", text)
    plot(rows, out_dir / "runs.png", title)
    return rows, [out_dir / "runs.md", out_dir / "runs.csv", out_dir / "runs.png"]


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="a sweep folder, or eval folders")
    parser.add_argument("--out", help="where runs.md/csv/png go (default: the sweep folder)")
    args = parser.parse_args(argv)
    runs, sweep = load_runs(args.paths)
    if not args.out and not sweep:
        raise UserError("--out is required when comparing eval folders")
    out = Path(args.out or args.paths[0])
    rows, written = write_report(runs, out, title=f"sweep {sweep['name']}" if sweep else "runs")
    print((out / "runs.md").read_text(), flush=True)
    print(f"wrote {', '.join(map(str, written))}", flush=True)
    return rows


if __name__ == "__main__":
    run_cli(main)
