"""Gold integrity check: grade each benchmark's reference solutions against its own gold answers.

    python step4_eval/gold_check.py --benchmarks all                                        # embedded copies
    python step4_eval/gold_check.py --benchmarks standard=hub                               # from the hub

For every row whose reference solution states its final answer (``r1zero.evaluation.benchmarks``: the last
``\\boxed{}`` of MATH-500 and AIME24 solutions, the bold final answer of ARML-style OlympiadBench
solutions), that answer is graded against the row's gold answer as an r1_zero response would be. A row
that grades wrong is a grader bug or a data error; the command lists them and prints counts per benchmark.
Rows whose solution marks no final answer (proof-style OlympiadBench solutions), benchmarks without
solutions (AMC23) and benchmarks whose gold *is* the solution's marked answer (Minerva's last box,
GSM8K's ``####``) have nothing independent to check and are counted as such. CPU only; the whole
suite takes about ten seconds once the grader's workers are up.
"""

from __future__ import annotations

import argparse

from r1zero.core.artifacts import atomic_write_json
from r1zero.core.errors import run_cli
from r1zero.core.prompts import build_response
from r1zero.evaluation.benchmarks import load_benchmark, parse_benchmarks

# Benchmarks whose gold answer is read from the very text the solution marks: the check would compare a
# string with itself.
SELF_GOLD = {"minerva": "gold is the last \\boxed{} of the solution", "gsm8k": "gold is what follows ####"}


def check(name: str, path: str | None, timeout_s: float = 5.0) -> dict:
    """Counts and the disagreeing rows of one benchmark."""
    from r1zero.grading.grader import grade_many

    problems, where = load_benchmark(name, path)
    checked = [p for p in problems if p.reference is not None and name not in SELF_GOLD]
    results = grade_many([build_response("", p.reference) for p in checked], [p.answer for p in checked],
                         timeout_s=timeout_s)
    wrong = [{"id": p.id, "gold": p.answer, "reference": p.reference, "timeout": r["timeout"]}
             for p, r in zip(checked, results, strict=True) if r["answer_reward"] < 1]
    return {"benchmark": name, "data": where, "rows": len(problems), "checked": len(checked),
            "agree": len(checked) - len(wrong), "disagree": wrong,
            "not_checked": SELF_GOLD.get(name) or (
                f"{len(problems) - len(checked)} row(s) whose solution marks no final answer"
                if len(checked) < len(problems) else None)}


def format_report(reports: list[dict]) -> str:
    lines = [f"{'benchmark':<14} {'rows':>6} {'checked':>8} {'agree':>6} {'disagree':>9}  not checked"]
    for r in reports:
        lines.append(f"{r['benchmark']:<14} {r['rows']:>6} {r['checked']:>8} {r['agree']:>6} "
                     f"{len(r['disagree']):>9}  {r['not_checked'] or '-'}")
    for r in reports:
        for row in r["disagree"]:
            lines.append(f"  {row['id']}: gold {row['gold']!r} vs solution's {row['reference']!r}"
                         f"{' (grader timeout)' if row['timeout'] else ''}")
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default="all", help="names, presets (standard, all) or name=path, comma-separated")
    parser.add_argument("--benchmark_dir", help="folder holding the offline copies (math500.jsonl, ...)")
    parser.add_argument("--json", help="also write the full report to this JSON file")
    args = parser.parse_args(argv)
    reports = [check(name, path) for name, path in parse_benchmarks(args.benchmarks, args.benchmark_dir)]
    print(format_report(reports))
    if args.json:
        atomic_write_json(args.json, reports)
    return reports


if __name__ == "__main__":
    run_cli(main)
