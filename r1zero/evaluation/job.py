"""One eval job: a model scored on a problem set, how it is scored, where its files go, and what it produced.

Step 4's command and benchmark suite (``step4_eval/runner.py``: chunk by chunk, resumable) and step 3's
in-training eval (all at once, on the live policy) each build one per eval and turn samples into rows,
grade them and summarize them through it, so their records and summaries agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r1zero.evaluation.engines import Sampling
from r1zero.evaluation.metrics import build_summary, check_summary
from r1zero.evaluation.records import GENERATIONS, completion_rows, grade_records, write_generations

SUMMARY = "summary.json"


@dataclass(frozen=True)
class Grading:
    """How samples are graded: the math grader's worker processes and per-answer limit; code programs' limits
    (``r1zero.sandbox.execute.Limits``; None: its defaults)."""

    workers: int | None = None
    timeout_s: float = 2.0
    code_limits: Any = None


@dataclass
class EvalJob:
    """A model scored on ``problems`` with ``sampling``; what it produced is kept in ``records`` and ``summary``."""

    problems: Any                 # DataFrame: id, source, prompt, answer (+ benchmark meta, code tests); index = position
    sampling: Sampling
    out_dir: Path
    template: str = "r1_zero"     # the prompt template the completions answer: it decides the format rule
    grading: Grading = field(default_factory=Grading)
    summary_fields: dict = field(default_factory=dict)  # copied into the summary: step; step 4 adds checkpoint, model
    contract: dict | None = None  # step 4: what must match to resume or compare (r1zero.evaluation.contract)
    data: str | None = None       # where the problems were read from (a file, a hub id)
    timing: dict = field(default_factory=dict)  # step 4: seconds per part, over every session of a resumed eval
    records: list[dict] = field(default_factory=list)
    summary: dict | None = None

    @property
    def generations(self) -> Path:
        return self.out_dir / GENERATIONS

    def completion_rows(self, part, samples: Sequence[Sequence]) -> list[dict]:
        """The samples generated for ``part`` (rows of ``problems``), one row each, ready for ``grade``."""
        rows = [{**row, "index": i} for i, row in zip(part.index, part.to_dict("records"), strict=True)]
        return completion_rows(rows, samples)

    def grade(self, rows: Sequence[Mapping]) -> list[dict]:
        """Graded records (the generations.jsonl schema) of completion rows."""
        return grade_records(rows, workers=self.grading.workers, timeout_s=self.grading.timeout_s,
                             template=self.template, code_limits=self.grading.code_limits)

    def summarize(self, records: Sequence[dict]) -> dict:
        """Keep ``records`` in problem then sample order and their summary, which it returns."""
        self.records = sorted(records, key=lambda r: (r["index"], r["sample_index"]))
        extra = dict(self.summary_fields)
        if self.contract is not None:
            extra["contract"] = self.contract
        self.summary = build_summary(self.records, extra=extra)
        check_summary(self.summary)
        return self.summary

    def write(self) -> None:
        """generations.jsonl and summary.json in ``out_dir``, each written whole."""
        from r1zero.core.artifacts import atomic_write_json

        write_generations(self.generations, self.records)
        atomic_write_json(self.out_dir / SUMMARY, self.summary)
