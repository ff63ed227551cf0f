"""Eval buckets and summaries shared by step4's evaluate.py and step3's in-training eval.

Every graded sample lands in exactly one bucket:
- ``correct``: format 1 and answer 1;
- ``wrong_answer``: format 1 and answer 0;
- ``format_failure``: format 0 (whatever the answer).

Generation-independent eval logic lives here so both callers produce the same numbers:

    records, summary = score_completions(rows)   # rows: id, source, prompt, completion, gold, ...
    print(format_summary(summary))
    log_to_wandb(summary, records, prefix="eval")

``grade_records`` turns completions into graded records (the ``generations.jsonl`` row schema),
``build_summary`` turns graded records into the summary dict (``summary.json``). Samples of one
problem share an ``id``; with several samples per problem the summary adds pass@k (unbiased
estimator), maj@k and mean@n.

Code (rows with a ``tests`` column, e.g. MBPP): each program runs against its tests in the sandbox
(``common.code_grading``); ``answer_reward`` is 1 iff every test passed, so the buckets and pass@k mean
"all tests pass". Records add ``CODE_RECORD_FIELDS`` and summaries a ``code`` block (mean fraction of
tests passed, program timeouts and errors).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

CATEGORIES = ("correct", "wrong_answer", "format_failure")
FINISH_REASONS = ("stop", "eos", "length")
# Fields of one graded record, in the order they are written to generations.jsonl.
RECORD_FIELDS = (
    "id", "source", "index", "sample_index", "prompt", "completion", "gold", "extracted_answer",
    "format_reward", "answer_reward", "reward", "category", "completion_tokens", "finish_reason",
    "truncated", "grader_timeout", "meta",
)
# Added for code: tests passed / run, how the program's run ended (common.sandbox status, or no_answer).
CODE_RECORD_FIELDS = ("pass_fraction", "tests_passed", "tests_total", "run_status", "run_error")


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


# --------------------------------------------------------------------------------------------- metrics

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


def length_stats(records: Iterable[Mapping]) -> dict:
    """Completion length (tokens) statistics, truncation and grader-timeout counts."""
    records = list(records)
    lengths = sorted(int(r["completion_tokens"]) for r in records if r.get("completion_tokens") is not None)
    truncated = sum(bool(r.get("truncated")) for r in records)
    out = {
        "truncated": truncated,
        "truncation_rate": truncated / len(records) if records else 0.0,
        "grader_timeouts": sum(bool(r.get("grader_timeout")) for r in records),
        "finish_reasons": dict(sorted(Counter(str(r.get("finish_reason")) for r in records).items())),
    }
    if lengths:
        out["completion_tokens"] = {
            "mean": statistics.fmean(lengths),
            "p50": lengths[len(lengths) // 2],
            "p90": lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))],
            "max": lengths[-1],
            "total": sum(lengths),
        }
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


# ------------------------------------------------------------------------------------------- grading

def _grade_code(rows: list[Mapping], workers: int | None, limits) -> list[dict]:
    """``common.code_grading`` results in the math grader's terms (answer_reward: every test passed)."""
    from common.code_grading import grade_code_many

    results = grade_code_many([r["completion"] for r in rows], [r["tests"] for r in rows],
                              setups=[r.get("test_setup") or "" for r in rows], workers=workers, limits=limits)
    return [{"format_reward": res["format_reward"], "answer_reward": res["all_passed"],
             "reward": res["strict_reward"], "extracted_answer": res["extracted_answer"], "timeout": res["timeout"],
             "pass_fraction": res["pass_fraction"], "tests_passed": res["passed"], "tests_total": res["total"],
             "run_status": res["status"], "run_error": res["error"]} for res in results]


def record_fields(record: Mapping) -> tuple[str, ...]:
    """The fields of ``record`` written to generations.jsonl (code records have a few more)."""
    return RECORD_FIELDS + (CODE_RECORD_FIELDS if "run_status" in record else ())


def grade_records(rows: Iterable[Mapping], *, workers: int | None = None, timeout_s: float = 2.0,
                  template: str = "r1_zero", code_limits=None) -> list[dict]:
    """Grade completions with ``common.grading.grade_many`` into records (the generations.jsonl schema).

    Each row needs ``id``, ``completion`` and ``gold`` (or ``answer``, step1's column name); ``source``,
    ``prompt``, ``index``, ``sample_index``, ``completion_tokens`` and ``finish_reason`` are carried over
    when present, and ``meta`` (a benchmark's per-problem metadata: subject, level...). A sample is
    ``truncated`` when its finish reason is ``length`` (or when the row says so). ``template`` names the
    prompt template the completions answer (``common.prompts``): it decides the format rule. Rows with
    ``tests`` (and optionally ``test_setup``) are code: their programs run in the sandbox under
    ``code_limits`` (``common.sandbox.Limits``; None: its defaults) and ``timeout_s`` does not apply.
    """
    from common.grading import grade_many

    rows = [r if "gold" in r else {**r, "gold": r["answer"]} for r in rows]
    code = bool(rows) and "tests" in rows[0]
    if code:
        results = _grade_code(rows, workers, code_limits)
    else:
        results = grade_many([r["completion"] for r in rows], [r["gold"] for r in rows],
                             workers=workers, timeout_s=timeout_s, template=template)
    records = []
    for row, res in zip(rows, results, strict=True):
        rec = {
            "id": row["id"],
            "source": row.get("source") or "unknown",
            "index": row.get("index"),
            "sample_index": row.get("sample_index", 0),
            "prompt": row.get("prompt"),
            "completion": row["completion"],
            "gold": row["gold"],
            "extracted_answer": res.get("extracted_answer"),
            "format_reward": float(res["format_reward"]),
            "answer_reward": float(res["answer_reward"]),
            "reward": float(res["reward"]),
            "category": categorize(res["format_reward"], res["answer_reward"]),
            "completion_tokens": row.get("completion_tokens"),
            "finish_reason": row.get("finish_reason"),
            "truncated": bool(row["truncated"]) if "truncated" in row else row.get("finish_reason") == "length",
            "grader_timeout": bool(res.get("timeout", False)),
            "meta": row.get("meta"),
        }
        if code:
            rec.update({k: res[k] for k in CODE_RECORD_FIELDS})
        records.append(rec)
    return records


def score_completions(rows: Iterable[Mapping], *, workers: int | None = None, timeout_s: float = 2.0,
                      k_values: Sequence[int] | None = None, extra: Mapping | None = None,
                      code_limits=None) -> tuple[list[dict], dict]:
    """Grade completions and summarize them in one call (what step3's in-training eval uses)."""
    records = grade_records(rows, workers=workers, timeout_s=timeout_s, code_limits=code_limits)
    return records, build_summary(records, k_values=k_values, extra=extra)


# ------------------------------------------------------------------------------------------ printing

def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


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
        ct = summary["completion_tokens"]
        lines.append(f"{'completion tokens':<22} {ct['mean']:>10.1f}  mean (p50 {ct['p50']}, p90 {ct['p90']}, max {ct['max']})")
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


# --------------------------------------------------------------------------------------------- W&B

def flat_metrics(summary: Mapping, prefix: str = "eval") -> dict[str, float]:
    """Scalar metrics for ``wandb.log``: overall rates, bucket counts, sampling metrics, per-source accuracy."""
    out = {f"{prefix}/{k}": summary[k] for k in ("accuracy", "format_accuracy", "truncation_rate", "total")
           if k in summary}
    out.update({f"{prefix}/{cat}": summary["counts"][cat] for cat in CATEGORIES})
    out.update({f"{prefix}/{k}": v for k, v in summary.items() if k.startswith(("pass@", "maj@", "mean@"))})
    if "completion_tokens" in summary:
        out[f"{prefix}/completion_tokens_mean"] = summary["completion_tokens"]["mean"]
    if "code" in summary:
        out.update({f"{prefix}/code_{k}": summary["code"][k] for k in ("mean_pass_fraction", "timeouts", "errors")})
    for src, block in (summary.get("by_source") or {}).items():
        out[f"{prefix}/by_source/{src}/accuracy"] = block["accuracy"]
        out[f"{prefix}/by_source/{src}/format_accuracy"] = block["format_accuracy"]
    timing = summary.get("timing") or {}
    if timing.get("tokens_per_s"):
        out[f"{prefix}/tokens_per_s"] = timing["tokens_per_s"]
    return out


SAMPLE_COLUMNS = ("id", "source", "sample_index", "prompt", "completion", "gold", "extracted_answer",
                  "category", "format_reward", "answer_reward", "completion_tokens", "finish_reason")


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
