"""Graded records: completions graded into the ``generations.jsonl`` row schema, and that file read back.

``grade_records`` grades completions with ``r1zero.grading.grader.grade_many`` (math) or in the code sandbox
(``r1zero.sandbox.code_grader``; rows with a ``tests`` column, e.g. MBPP: ``answer_reward`` is 1 iff every test
passed, so the buckets and pass@k mean "all tests pass"). Step 4 and step 3's in-training eval both write
the records with ``write_generations`` and summarize them with ``r1zero.evaluation.metrics.build_summary``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from r1zero.evaluation.metrics import categorize
from r1zero.grading import SIGNALS

GENERATIONS = "generations.jsonl"
# Fields of one graded record, in the order they are written to generations.jsonl.
RECORD_FIELDS = (
    "id", "source", "index", "sample_index", "prompt", "completion", "gold", "extracted_answer",
    "format_reward", "answer_reward", "reward", "category", "completion_tokens", "finish_reason",
    "truncated", "grader_timeout", *SIGNALS, "meta",
)  # SIGNALS: the reward-hacking monitor's flags (r1zero.grading.SIGNALS); False / the program's length for code
# Added for code: tests passed / run, how the program's run ended (r1zero.sandbox.execute status, or no_answer).
CODE_RECORD_FIELDS = ("pass_fraction", "tests_passed", "tests_total", "run_status", "run_error")


def _grade_code(rows: list[Mapping], workers: int | None, limits) -> list[dict]:
    """``r1zero.sandbox.code_grader`` results in the math grader's terms (answer_reward: every test passed)."""
    from r1zero.sandbox.code_grader import grade_code_many

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
    """Grade completions with ``r1zero.grading.grader.grade_many`` into records (the generations.jsonl schema).

    Each row needs ``id``, ``completion`` and ``gold`` (or ``answer``, step1's column name); ``source``,
    ``prompt``, ``index``, ``sample_index``, ``completion_tokens`` and ``finish_reason`` are carried over
    when present, and ``meta`` (a benchmark's per-problem metadata: subject, level...). A sample is
    ``truncated`` when its finish reason is ``length`` (or when the row says so). ``template`` names the
    prompt template the completions answer (``r1zero.core.prompts``): it decides the format rule. Rows with
    ``tests`` (and optionally ``test_setup``) are code: their programs run in the sandbox under
    ``code_limits`` (``r1zero.sandbox.execute.Limits``; None: its defaults) and ``timeout_s`` does not apply.
    """
    from r1zero.grading.grader import grade_many

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
            **{k: res.get(k, 0 if k == "answer_chars" else False) for k in SIGNALS},
            "meta": row.get("meta"),
        }
        if code:
            rec["answer_chars"] = len(res["extracted_answer"] or "")
            rec.update({k: res[k] for k in CODE_RECORD_FIELDS})
        records.append(rec)
    return records


def completion_rows(problems: Iterable[Mapping], samples) -> list[dict]:
    """One row per generated sample, ready for ``grade_records``: the problem's ``id``, ``source``, ``index``
    (its position in the eval set: it fixes the sampling seed), ``prompt``, gold (``answer``), benchmark
    ``meta`` and code test columns, with the sample's text, token count and finish reason."""
    from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS

    rows = []
    for problem, outs in zip(problems, samples, strict=True):
        for j, s in enumerate(outs):
            rows.append({"id": problem["id"], "source": problem.get("source") or "unknown", "index": problem["index"],
                         "sample_index": j, "prompt": problem["prompt"], "completion": s.text,
                         "gold": problem["answer"], "completion_tokens": s.tokens, "finish_reason": s.finish_reason,
                         "meta": problem.get("meta"), **{c: problem[c] for c in CODE_DATA_COLUMNS if c in problem}})
    return rows


def record_line(record: Mapping) -> str:
    """One generations.jsonl line (its fields in the schema's order)."""
    return json.dumps({k: record[k] for k in record_fields(record)}, ensure_ascii=False) + "\n"


def write_generations(path: str | Path, records: Iterable[Mapping]) -> None:
    """A whole generations.jsonl, written atomically."""
    from r1zero.core.artifacts import atomic_write_text

    atomic_write_text(path, "".join(record_line(r) for r in records))


def read_generations(path: str | Path) -> tuple[list[dict], int]:
    """The rows of a generations.jsonl, and how many lines were unreadable and skipped.

    A killed run may leave a torn last line, and a damaged file a bad line in the middle (invalid JSON, a
    byte that is not UTF-8): each such line is skipped and counted, and every valid row after it is kept.
    """
    rows, bad = [], 0
    with open(path, "rb") as fh:
        for line in fh:
            try:
                row = json.loads(line) if line.endswith(b"\n") else None
            except ValueError:  # JSONDecodeError, UnicodeDecodeError
                row = None
            if isinstance(row, dict):
                rows.append(row)
            elif line.strip():
                bad += 1
    return rows, bad
