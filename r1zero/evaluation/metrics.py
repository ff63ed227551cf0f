"""Eval metrics: the buckets, pass@k / maj@k / mean@n, lengths and the summary built from graded records.

Every graded sample lands in exactly one bucket:
- ``correct``: format 1 and answer 1;
- ``wrong_answer``: format 1 and answer 0;
- ``format_failure``: format 0 (whatever the answer).

``build_summary`` turns graded records (``r1zero.evaluation.records``) into the summary dict (``summary.json``), the
same for step 4 and step 3's in-training eval. Samples of one problem share an ``id``; with several
samples per problem the summary adds pass@k (unbiased estimator), maj@k and mean@n. Code records (MBPP)
add a ``code`` block: mean fraction of tests passed, program timeouts and errors; math records an
``answer_monitor`` block (``answer_monitor``: the reward-hacking monitor).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from r1zero.grading import SIGNALS

CATEGORIES = ("correct", "wrong_answer", "format_failure")
FINISH_REASONS = ("stop", "eos", "length")


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


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): P(at least one of k samples drawn from n is correct).

    ``1 - C(n-c, k) / C(n, k)``, computed as a product to stay exact for large n.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def default_k_values(n: int) -> list[int]:
    """1, 2, 4, ... up to n, plus n itself."""
    ks, k = [], 1
    while k < n:
        ks.append(k)
        k *= 2
    return ks + [n] if n >= 1 else []


def _normalize_answer(answer: str | None) -> str | None:
    if answer is None:
        return None
    return "".join(answer.split()) or None


def majority_correct(samples: Sequence[Mapping], k: int) -> bool:
    """maj@k for one problem: vote over the first k samples' extracted answers (well-formatted ones only).

    Answers are compared after removing whitespace; a tie goes to the answer seen first. The vote is
    correct when a sample carrying the winning answer is correct.
    """
    votes: Counter[str] = Counter()
    first_seen: dict[str, Mapping] = {}
    for rec in samples[:k]:
        key = _normalize_answer(rec.get("extracted_answer")) if rec["format_reward"] >= 1 else None
        if key is None:
            continue
        votes[key] += 1
        first_seen.setdefault(key, rec)
    if not votes:
        return False
    best = max(votes.values())
    winner = next(key for key in first_seen if votes[key] == best)  # dicts keep insertion order
    return first_seen[winner]["category"] == "correct"


def _group_by_problem(records: Iterable[Mapping]) -> dict[str, list[Mapping]]:
    groups: dict[str, list[Mapping]] = defaultdict(list)
    for rec in records:
        groups[str(rec["id"])].append(rec)
    for samples in groups.values():
        samples.sort(key=lambda r: r.get("sample_index", 0))
    return groups


def sampling_metrics(records: Iterable[Mapping], k_values: Sequence[int] | None = None) -> dict:
    """pass@k, maj@k and mean@n over problems (records grouped by ``id``); empty when n == 1.

    n is the smallest number of samples any problem has; ``mean@n`` is the mean over problems of the
    share of their samples that are correct.
    """
    groups = _group_by_problem(records)
    if not groups:
        return {}
    n = min(len(s) for s in groups.values())
    if n < 2:
        return {}
    ks = sorted({k for k in (k_values or default_k_values(n)) if 1 <= k <= n})
    out: dict[str, float] = {}
    for k in ks:
        out[f"pass@{k}"] = statistics.fmean(
            pass_at_k(len(s), sum(r["category"] == "correct" for r in s), k) for s in groups.values())
    for k in ks:
        out[f"maj@{k}"] = statistics.fmean(majority_correct(s, k) for s in groups.values())
    out[f"mean@{n}"] = statistics.fmean(
        sum(r["category"] == "correct" for r in s) / len(s) for s in groups.values())
    return out


def distribution(values: Iterable[int]) -> dict:
    """Mean, p50, p90 and max of some counts (at least one)."""
    ordered = sorted(values)
    return {"mean": statistics.fmean(ordered), "p50": ordered[len(ordered) // 2],
            "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], "max": ordered[-1]}


def length_stats(records: Iterable[Mapping]) -> dict:
    """Completion length (tokens) statistics, truncation and grader-timeout counts."""
    records = list(records)
    lengths = [int(r["completion_tokens"]) for r in records if r.get("completion_tokens") is not None]
    truncated = sum(bool(r.get("truncated")) for r in records)
    out = {
        "truncated": truncated,
        "truncation_rate": truncated / len(records) if records else 0.0,
        "grader_timeouts": sum(bool(r.get("grader_timeout")) for r in records),
        "finish_reasons": dict(sorted(Counter(str(r.get("finish_reason")) for r in records).items())),
    }
    if lengths:
        out["completion_tokens"] = {**distribution(lengths), "total": sum(lengths)}
    return out


MONITOR_FLAGS = tuple(s for s in SIGNALS if s != "answer_chars")  # the monitor's yes/no flags


def answer_monitor(records: Sequence[Mapping]) -> dict:
    """The reward-hacking monitor: the share of samples whose answer states several candidates, a relation or
    a cover-all answer, and the answer's length in characters. A policy probing the grader shows here before
    its reward curve lies (docs/grader.md, "Reward-hacking monitor")."""
    total = len(records)
    out: dict = {flag: sum(bool(r.get(flag)) for r in records) / total if total else 0.0 for flag in MONITOR_FLAGS}
    if records:
        out["answer_chars"] = distribution(int(r.get("answer_chars") or 0) for r in records)
    return out


def code_stats(records: Sequence[Mapping]) -> dict:
    """For code records: mean fraction of tests passed and how the runs ended (timeouts, errors...)."""
    statuses = Counter(str(r["run_status"]) for r in records)
    return {"mean_pass_fraction": statistics.fmean(float(r["pass_fraction"]) for r in records) if records else 0.0,
            "timeouts": statuses.get("timeout", 0), "errors": statuses.get("error", 0),
            "run_statuses": dict(sorted(statuses.items()))}


def _block(records: list[Mapping], k_values) -> dict:
    block = {
        **bucket_summary(r["category"] for r in records),
        "num_problems": len({str(r["id"]) for r in records}),
        **sampling_metrics(records, k_values),
        **length_stats(records),
    }
    if records and "run_status" in records[0]:
        block["code"] = code_stats(records)
    elif records:
        block["answer_monitor"] = answer_monitor(records)
    return block


def build_summary(records: Iterable[Mapping], *, k_values: Sequence[int] | None = None,
                  extra: Mapping | None = None) -> dict:
    """The summary dict: overall buckets and rates, sampling metrics, lengths, then ``by_source``.

    ``extra`` (checkpoint, timing, contract, ...) is merged in at the end.
    """
    records = list(records)
    by_source: dict[str, list[Mapping]] = defaultdict(list)
    for rec in records:
        by_source[str(rec.get("source") or "unknown")].append(rec)
    summary = _block(records, k_values)
    groups = _group_by_problem(records)
    summary["samples_per_problem"] = min((len(s) for s in groups.values()), default=0)
    summary["by_source"] = {src: _block(recs, k_values) for src, recs in sorted(by_source.items())}
    summary.update(extra or {})
    return summary


def check_summary(summary: Mapping) -> None:
    """Raise AssertionError if buckets do not add up or rates disagree with counts (a bug, not a user error)."""
    for name, block in [("overall", summary), *summary.get("by_source", {}).items()]:
        counts, total = block["counts"], block["total"]
        assert sum(counts.values()) == total, f"{name}: buckets {counts} do not add up to {total}"
        if total:
            assert math.isclose(block["accuracy"], counts["correct"] / total), name
            assert math.isclose(block["format_accuracy"], (counts["correct"] + counts["wrong_answer"]) / total), name
    if summary.get("by_source"):
        assert sum(b["total"] for b in summary["by_source"].values()) == summary["total"], "sources do not add up"
