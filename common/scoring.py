"""Eval buckets and summaries shared by step4's evaluate.py and step3's in-training eval.

Every graded sample lands in exactly one bucket:
- ``correct``: format 1 and answer 1;
- ``wrong_answer``: format 1 and answer 0;
- ``format_failure``: format 0 (whatever the answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

CATEGORIES = ("correct", "wrong_answer", "format_failure")


def categorize(format_reward: float, answer_reward: float) -> str:
    if format_reward < 1:
        return "format_failure"
    return "correct" if answer_reward >= 1 else "wrong_answer"


def bucket_summary(categories: Iterable[str]) -> dict:
    """total, counts per bucket, accuracy and format_accuracy for a list of bucket names."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for cat in categories:
        counts[cat] += 1
    total = sum(counts.values())
    return {
        "total": total,
        "counts": counts,
        "accuracy": counts["correct"] / total if total else 0.0,
        "format_accuracy": (counts["correct"] + counts["wrong_answer"]) / total if total else 0.0,
    }


def summary_by_source(records: Iterable[Mapping]) -> dict:
    """bucket_summary per ``source`` over records that carry ``source`` and ``category``."""
    groups: dict[str, list[str]] = {}
    for rec in records:
        groups.setdefault(str(rec.get("source") or "unknown"), []).append(rec["category"])
    return {src: bucket_summary(cats) for src, cats in sorted(groups.items())}
