"""Contamination: a training problem that shares a word n-gram (8 by default) with an eval problem.

Eval sets are named benchmarks of ``r1zero.evaluation.benchmarks`` (``math500``, ``aime24``, ``amc23``, ``minerva``,
``olympiadbench``, ``gsm8k``, the presets ``standard`` and ``all``, or ``name=path`` for a local copy; read
exactly as step4 reads them, from ``--benchmark_dir`` when given), or any other local file
(.parquet/.jsonl/.json) or hub id, optionally with a config and a split: ``openai/gsm8k:main@test``,
``data/aime.jsonl`` (split ``test`` by default; the problem text is the first column among
``PROBLEM_COLUMNS``). Every training problem flagged is attributed to each eval set it overlaps, so
stats.json can say how many rows each benchmark removed.
"""

from __future__ import annotations

import re

from r1zero.core.errors import UserError

PROBLEM_COLUMNS = ("problem", "question", "Problem", "Question", "prompt", "input")
_WORD = re.compile(r"\w+")


def ngrams(text: str, n: int) -> set[str]:
    """Word n-grams of lowercased text; a text shorter than n words is one gram (its whole word list)."""
    words = _WORD.findall(text.lower())
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def contamination(problem: str, eval_grams: dict[str, int], n: int) -> int:
    """Bitmask of the eval sets (bit i = the i-th set) that share an n-gram with ``problem``; 0 if none."""
    mask = 0
    for gram in ngrams(problem, n):
        mask |= eval_grams.get(gram, 0)
    return mask


def is_contaminated(problem: str, eval_grams: dict[str, int], n: int) -> bool:
    return contamination(problem, eval_grams, n) != 0


def parse_spec(spec: str) -> tuple[str, str | None, str]:
    """``name[:config][@split]`` -> (name, config, split); local paths keep their text as the name."""
    name, _, split = spec.partition("@")
    config = None
    if ":" in name and not name.startswith((".", "/")):
        name, _, config = name.partition(":")
    return name, config or None, split or "test"


def expand_specs(specs: list[str], benchmark_dir: str | None = None) -> list[tuple[str, str | None]]:
    """[(label, path)]: benchmark names and presets become one entry per benchmark (label = its name, path =
    its file, "hub", or None for its embedded copy); anything else stays a generic spec (path None)."""
    from r1zero.evaluation.benchmarks import BENCHMARKS, PRESETS, parse_benchmarks

    out = []
    for spec in specs:
        if spec.partition("=")[0] in (*BENCHMARKS, *PRESETS):
            out += parse_benchmarks(spec, benchmark_dir)
        else:
            out.append((spec, None))
    return out


def load_eval_problems(spec: str, cache_dir: str | None = None, path: str | None = None) -> list[str]:
    from r1zero.evaluation.benchmarks import BENCHMARKS, load_benchmark
    from step1_data.loading import load_table

    if spec in BENCHMARKS:
        return [p.problem for p in load_benchmark(spec, path)[0]]

    name, config, split = parse_spec(spec)
    ds = load_table(name, split=split, hub_config=config, cache_dir=cache_dir, what="eval set")
    column = next((c for c in PROBLEM_COLUMNS if c in ds.column_names), None)
    if column is None:
        raise UserError(f"eval set {spec} has none of the columns {', '.join(PROBLEM_COLUMNS)} "
                        f"(it has {', '.join(ds.column_names)})")
    return [p for p in ds[column] if isinstance(p, str) and p.strip()]


def eval_ngrams(specs: list[str], n: int, cache_dir: str | None = None,
                benchmark_dir: str | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Every eval problem's n-grams, each mapped to the bitmask of the eval sets holding it (bit i = the i-th
    key of the returned counts), and the problem count per eval set."""
    if n < 1:
        raise UserError(f"--ngram_size must be >= 1, got {n}")
    grams: dict[str, int] = {}
    counts = {}
    for i, (label, path) in enumerate(expand_specs(specs, benchmark_dir)):
        problems = load_eval_problems(label, cache_dir, path)
        counts[label] = len(problems)
        for p in problems:
            for gram in ngrams(p, n):
                grams[gram] = grams.get(gram, 0) | (1 << i)
    return grams, counts
