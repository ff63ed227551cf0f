"""Contamination: a training problem that shares a word n-gram (8 by default) with an eval problem.

Eval sets are given as local files (.parquet/.jsonl/.json) or hub ids, optionally with a config and a
split: ``HuggingFaceH4/MATH-500``, ``openai/gsm8k:main@test``, ``data/aime.jsonl``. The split defaults
to ``test``. The problem text is read from the first column among ``PROBLEM_COLUMNS``.
"""

from __future__ import annotations

import re

from common.errors import UserError

PROBLEM_COLUMNS = ("problem", "question", "Problem", "Question", "prompt", "input")
_WORD = re.compile(r"\w+")


def ngrams(text: str, n: int) -> set[str]:
    """Word n-grams of lowercased text; a text shorter than n words is one gram (its whole word list)."""
    words = _WORD.findall(text.lower())
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def is_contaminated(problem: str, eval_grams: set[str] | frozenset[str], n: int) -> bool:
    return not eval_grams.isdisjoint(ngrams(problem, n))


def parse_spec(spec: str) -> tuple[str, str | None, str]:
    """``name[:config][@split]`` -> (name, config, split); local paths keep their text as the name."""
    name, _, split = spec.partition("@")
    config = None
    if ":" in name and not name.startswith((".", "/")):
        name, _, config = name.partition(":")
    return name, config or None, split or "test"


def load_eval_problems(spec: str, cache_dir: str | None = None) -> list[str]:
    from step1_data.loading import load_table

    name, config, split = parse_spec(spec)
    ds = load_table(name, split=split, hub_config=config, cache_dir=cache_dir, what="eval set")
    column = next((c for c in PROBLEM_COLUMNS if c in ds.column_names), None)
    if column is None:
        raise UserError(f"eval set {spec} has none of the columns {', '.join(PROBLEM_COLUMNS)} "
                        f"(it has {', '.join(ds.column_names)})")
    return [p for p in ds[column] if isinstance(p, str) and p.strip()]


def eval_ngrams(specs: list[str], n: int, cache_dir: str | None = None) -> tuple[frozenset[str], dict[str, int]]:
    """The union of every eval problem's n-grams, and the problem count per eval set."""
    if n < 1:
        raise UserError(f"--ngram_size must be >= 1, got {n}")
    grams: set[str] = set()
    counts = {}
    for spec in specs:
        problems = load_eval_problems(spec, cache_dir)
        counts[spec] = len(problems)
        for p in problems:
            grams |= ngrams(p, n)
    return frozenset(grams), counts
