"""List the problems that flipped between two evals, by source; or put several checkpoints side by side
on a benchmark suite.

    python step4_eval/compare.py outputs/qwen2.5-math-1.5b-r1zero/eval/base outputs/qwen2.5-math-1.5b-r1zero/eval/checkpoint-200 [--show 5] [--json flips.json]
    # folders written by evaluate.py --benchmarks (each holds benchmarks.json): a table and a bar plot
    python step4_eval/compare.py eval/base eval/checkpoint-100 eval/checkpoint-200 [--out DIR]

A and B are eval folders (or their summary.json). A problem counts as solved when at least half of its
samples are correct (with one sample: when it is correct). The report gives, per source, how many
problems went wrong -> right (gained) and right -> wrong (lost), with a few ids of each, plus the
accuracy change. The two summaries' contracts are checked first: if they differ (other data, sampling
or grader), it says how, since the flips then mix model change with protocol change; code evals whose MBPP
prompt protocols differ (every test shown, or the first) are refused. CPU only, instant.

Each side is named by its folder's path, as much of it as tells the sides apart (``outputs/a/eval/final`` and
``outputs/b/eval/final``: ``a/final`` and ``b/final``). Suite folders (any number) give one row per folder
with its accuracy on each benchmark and the unweighted average, printed and written as ``suite_comparison.{md,csv,png}`` to ``--out`` (default: the
first folder's parent); protocols that differ (template, sampling, engine, grader) are named first.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from r1zero.core.artifacts import atomic_write_json
from r1zero.core.errors import UserError, run_cli
from r1zero.evaluation.contract import describe_diff, protocol_clash
from step4_eval.report import folder_labels, load_eval
from step4_eval.suite_report import SUITE_FILE, write_comparison


def per_problem(rows: list[dict]) -> dict[str, tuple[str, float]]:
    """id -> (source, share of its samples that are correct)."""
    got: dict[str, list] = defaultdict(lambda: [None, 0, 0])
    for r in rows:
        entry = got[str(r["id"])]
        entry[0] = r.get("source") or "unknown"
        entry[1] += r["category"] == "correct"
        entry[2] += 1
    return {pid: (src, correct / n) for pid, (src, correct, n) in got.items()}


def flips(rows_a: list[dict], rows_b: list[dict]) -> dict:
    """Per source: problems gained / lost between A and B, plus problem counts and mean score change."""
    a, b = per_problem(rows_a), per_problem(rows_b)
    common_ids = sorted(set(a) & set(b))
    out: dict[str, dict] = {}
    for pid in common_ids:
        src = a[pid][0]
        block = out.setdefault(src, {"problems": 0, "gained": [], "lost": [], "score_a": 0.0, "score_b": 0.0})
        block["problems"] += 1
        block["score_a"] += a[pid][1]
        block["score_b"] += b[pid][1]
        solved_a, solved_b = a[pid][1] >= 0.5, b[pid][1] >= 0.5
        if solved_b and not solved_a:
            block["gained"].append(pid)
        elif solved_a and not solved_b:
            block["lost"].append(pid)
    for block in out.values():
        block["score_a"] /= block["problems"]
        block["score_b"] /= block["problems"]
    return {"sources": dict(sorted(out.items())), "only_in_a": len(set(a) - set(b)), "only_in_b": len(set(b) - set(a))}


def format_flips(result: dict, show: int = 5) -> str:
    lines = [f"{'source':<24} {'problems':>8} {'gained':>7} {'lost':>6} {'net':>5} {'score A':>8} {'score B':>8}"]
    total = {"problems": 0, "gained": 0, "lost": 0}
    for src, b in result["sources"].items():
        g, lo = len(b["gained"]), len(b["lost"])
        total["problems"] += b["problems"]
        total["gained"] += g
        total["lost"] += lo
        lines.append(f"{src:<24} {b['problems']:>8} {g:>7} {lo:>6} {g - lo:>+5} "
                     f"{100 * b['score_a']:>7.2f}% {100 * b['score_b']:>7.2f}%")
    lines.append(f"{'all':<24} {total['problems']:>8} {total['gained']:>7} {total['lost']:>6} "
                 f"{total['gained'] - total['lost']:>+5}")
    if show:
        for src, b in result["sources"].items():
            for kind in ("gained", "lost"):
                if b[kind]:
                    ids = ", ".join(b[kind][:show]) + (" ..." if len(b[kind]) > show else "")
                    lines.append(f"  {src} {kind}: {ids}")
    if result["only_in_a"] or result["only_in_b"]:
        lines.append(f"note: {result['only_in_a']} problem(s) only in A and {result['only_in_b']} only in B were skipped")
    return "\n".join(lines)


def compare_suites(folders: list[str], out: str | None) -> list[dict]:
    """Several checkpoints side by side on their benchmark suites (folders holding benchmarks.json)."""
    import json

    reports = [json.loads((Path(f) / SUITE_FILE).read_text()) for f in folders]
    labels = folder_labels(folders)
    for r, label in zip(reports[1:], labels[1:], strict=True):
        diff = describe_diff(reports[0]["protocol"], r["protocol"], ignore=())
        if diff:
            print(f"warning: {label} was evaluated under another protocol: {diff}", flush=True)
    written = write_comparison(Path(out) if out else Path(folders[0]).resolve().parent, reports, labels)
    print(written[0].read_text())
    print(f"wrote {', '.join(str(p) for p in written)}", flush=True)
    return reports


def main(argv=None) -> dict | list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="two eval folders (or summary.json files): before and after; "
                        "or any number of benchmark suite folders (holding benchmarks.json)")
    parser.add_argument("--show", type=int, default=5, help="problem ids listed per source and direction")
    parser.add_argument("--json", help="also write the full flip lists to this JSON file")
    parser.add_argument("--out", help="suite folders: where suite_comparison.{md,csv,png} go")
    args = parser.parse_args(argv)
    if all((Path(f) / SUITE_FILE).is_file() for f in args.folders):
        return compare_suites(args.folders, args.out)
    if len(args.folders) != 2:
        raise UserError("give two eval folders to compare (or only folders written by --benchmarks)")
    args.a, args.b = args.folders
    summary_a, rows_a = load_eval(args.a)
    summary_b, rows_b = load_eval(args.b)
    clash = protocol_clash(summary_a.get("contract"), summary_b.get("contract"))
    if clash:
        raise UserError(f"{args.a} and {args.b}: {clash}")
    diff = describe_diff(summary_a.get("contract"), summary_b.get("contract"))
    if diff:
        print(f"warning: not comparable like for like: {diff}", flush=True)
    result = flips(rows_a, rows_b)
    if not result["sources"]:
        raise UserError(f"{args.a} and {args.b} have no problem ids in common")
    label_a, label_b = folder_labels([args.a, args.b])
    print(f"A: {label_a}  accuracy {100 * summary_a['accuracy']:.2f}%\n"
          f"B: {label_b}  accuracy {100 * summary_b['accuracy']:.2f}%\n")
    print(format_flips(result, args.show))
    if args.json:
        atomic_write_json(args.json, {"a": str(args.a), "b": str(args.b), "contract_diff": diff, **result})
    return result


if __name__ == "__main__":
    run_cli(main)
