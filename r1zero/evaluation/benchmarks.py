"""The standard math benchmarks as named eval sets: where each loads from and how its gold answer is read.

Used by step4 (``evaluate.py --benchmarks``), by step1's decontamination and by the gold integrity check,
so that every stage reads each benchmark the same way. One adapter per benchmark:

| name | hub id (config, split) | gold answer | source (breakdown) and kept metadata |
|---|---|---|---|
| math500 | HuggingFaceH4/MATH-500 (test) | ``answer`` | math500/<subject>; subject, level, unique_id |
| aime24 | HuggingFaceH4/aime_2024 (train) | ``answer`` | aime24; id, url |
| amc23 | FlippyDora/amc23 (train) | ``answer``, a float: 27.0 is read as 27 | amc23; id, url |
| minerva | knoveleng/Minerva-Math (train), unverified | ``answer`` if present, else the last ``\\boxed{}`` of ``solution`` | minerva/<type>; type, idx |
| olympiadbench | Hothan/OlympiadBench (OE_TO_maths_en_COMP, train), unverified | ``final_answer`` (a list), ``$`` removed; several answers joined with ``", "`` | olympiadbench/<subfield>; subfield, answer_type, is_multiple_answer, unit |
| gsm8k | openai/gsm8k (main, test) | after ``####`` in ``answer``, thousands commas removed | gsm8k; idx |

Each test set ships in the package (``benchmark_data/``, whose ``SOURCES.json`` gives every file's source,
licence, row count and sha256), so the benchmarks need no network. Every hub id exists; "unverified" ones
have no column list on their dataset page (public loaders of them read the columns used here).

``load_benchmark(name, path=None)`` reads the embedded copy when ``path`` is None, the benchmark's hub
dataset when ``path`` is ``"hub"``, else the local .jsonl/.json/.parquet file or hub id ``path``. A file
listed in a ``SOURCES.json`` beside it must match the sha256 listed there. A hub dataset with a single
split is read whatever the split is called. A file without the expected fields, or a row without a problem
or a gold answer, is a one-line ``UserError`` naming the benchmark, the file and the row."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from r1zero.core.artifacts import file_sha256
from r1zero.core.errors import UserError
from r1zero.core.latex import all_boxed, match_braces, split_top_level

LOCAL_SUFFIXES = (".jsonl", ".json", ".parquet")
EMBEDDED = Path(__file__).with_name("benchmark_data")  # the six test sets, shipped as package data
INDEX = "SOURCES.json"  # beside the files: source, licence, rows and sha256 of each
HUB = "hub"  # ``name=hub``: the benchmark's hub dataset instead of its embedded copy


@dataclass(frozen=True)
class Problem:
    id: str
    source: str           # "<benchmark>" or "<benchmark>/<subject>": summary.json breaks accuracy down by it
    problem: str
    answer: str           # the gold answer, as the grader takes it
    meta: dict            # the benchmark's own per-problem fields (subject, level, type...)
    reference: str | None  # the final answer the reference solution states, None when it marks none


@dataclass(frozen=True)
class Benchmark:
    name: str
    hub_id: str
    hub_config: str | None
    split: str
    file_name: str                                  # its file in benchmark_data/ (and in ``--benchmark_dir``)
    problem_fields: tuple[str, ...]                 # the first one present holds the problem text
    gold_fields: tuple[str, ...]                    # named in errors: where the gold answer comes from
    gold: Callable[[dict], str | None]
    meta_fields: tuple[str, ...] = ()
    source_field: str | None = None                 # metadata field that splits the benchmark (subject...)
    id_field: str | None = None
    reference: Callable[[dict], str | None] = field(default=lambda row: None, repr=False)


# --- gold readers ---------------------------------------------------------------------------------------

def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    text = str(value).strip()
    return text or None


def _float_gold(value) -> str | None:
    """AMC's golds are floats: 27.0 is the integer 27 (exact), 2.5 stays 2.5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _last_box(text) -> str | None:
    boxes = all_boxed(str(text or "").replace("\\framebox", "\\boxed"))
    return _text(boxes[-1]) if boxes else None


def _minerva_gold(row: dict) -> str | None:
    return _text(row.get("answer")) if _text(row.get("answer")) else _last_box(row.get("solution"))


def _gsm8k_gold(row: dict) -> str | None:
    head, sep, tail = str(row.get("answer") or "").rpartition("####")
    return _text(tail.replace(",", "")) if sep else None


_DOLLARS = re.compile(r"\$([^$]*)\$")


def _olympiad_gold(row: dict) -> str | None:
    """``final_answer`` is a list of strings such as ``['$2,-1,-18$']`` or ``['$8$,$4$']``; several answers
    (``is_multiple_answer``) are joined with ", " so that the grader reads them as a list, never as one
    number with thousands separators."""
    items = row.get("final_answer")
    if isinstance(items, str):
        items = [items]
    if items is None or not hasattr(items, "__iter__"):
        return None
    answers = []
    for item in items:
        text = _text(item)
        if text is None:
            continue
        spans = _DOLLARS.findall(text)
        answers += [s.strip() for s in spans] if len(spans) > 1 else [text.strip().strip("$").strip()]
    if row.get("is_multiple_answer") and len(answers) == 1:
        parts = split_top_level(answers[0])
        answers = [p.strip() for p in parts] if parts else answers
    answers = [a for a in answers if a]
    return ", ".join(answers) if answers else None


# --- reference answers (for the gold integrity check) ---------------------------------------------------

def _boxed_reference(field_name: str) -> Callable[[dict], str | None]:
    return lambda row: _last_box(row.get(field_name))


_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)
_BOLD = re.compile(r"\\(?:mathbf|boldsymbol|textbf)\{")


def _unbold(span: str) -> tuple[str, bool]:
    """``span`` with ``\\mathbf{1 8 9}`` written as ``189``; and whether a bold group held a digit."""
    out, at, digit = [], 0, False
    for m in _BOLD.finditer(span):
        if m.start() < at:
            continue
        close = match_braces(span, m.end() - 1)
        if close < 0:
            break
        inner = span[m.end() : close]
        digit |= any(c.isdigit() for c in inner)
        out += [span[at : m.start()], re.sub(r"(?<=[\d,.])\s+(?=[\d,.])", "", inner)]  # 1 0 2 , 0 1 8
        at = close + 1
    out.append(span[at:])
    return "".join(out), digit


def _olympiad_reference(row: dict) -> str | None:
    """The answer an ARML-style solution marks in bold at its end (``... = \\mathbf{6 5 0}``): the right-hand
    side of the last math span holding a bold number, among the solution's last three spans. Proof-style
    solutions mark none (None)."""
    solutions = row.get("solution")
    solutions = [solutions] if isinstance(solutions, str) else list(solutions or [])
    for solution in solutions:
        spans = [next(g for g in m.groups() if g is not None) for m in _MATH_SPAN.finditer(str(solution))]
        for span in reversed(spans[-3:]):
            text, digit = _unbold(span)
            if not digit:
                continue
            text = re.sub(r"\\end\{\w+\*?\}|\\\\|&", " ", text)
            return text.rsplit("=", 1)[-1].strip().rstrip(".,").strip() or None
    return None


# --- the registry -----------------------------------------------------------------------------------------

BENCHMARKS = {
    b.name: b
    for b in (
        Benchmark("math500", "HuggingFaceH4/MATH-500", None, "test", "math500.jsonl", ("problem",), ("answer",),
                  lambda row: _text(row.get("answer")), ("subject", "level", "unique_id"), "subject", "unique_id",
                  _boxed_reference("solution")),
        Benchmark("aime24", "HuggingFaceH4/aime_2024", None, "train", "aime24.jsonl", ("problem", "question"),
                  ("answer",), lambda row: _text(row.get("answer")), ("id", "url"), None, "id",
                  _boxed_reference("solution")),
        Benchmark("amc23", "FlippyDora/amc23", None, "train", "amc23.jsonl", ("problem", "question"), ("answer",),
                  lambda row: _float_gold(row.get("answer")), ("id", "url"), None, "id"),
        Benchmark("minerva", "knoveleng/Minerva-Math", None, "train", "minerva_math.jsonl", ("problem", "question"),
                  ("answer", "solution"), _minerva_gold, ("type", "idx"), "type", "idx"),
        Benchmark("olympiadbench", "Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train", "olympiadbench.jsonl",
                  ("question", "problem"), ("final_answer",), _olympiad_gold,
                  ("subfield", "answer_type", "is_multiple_answer", "unit"), "subfield", "id", _olympiad_reference),
        Benchmark("gsm8k", "openai/gsm8k", "main", "test", "gsm8k.jsonl", ("question", "problem"), ("answer",),
                  _gsm8k_gold, ("idx",), None, "idx"),
    )
}
# The five benchmarks the Dr. GRPO / Oat-Zero papers average, and every benchmark.
PRESETS = {"standard": ("math500", "aime24", "amc23", "minerva", "olympiadbench"), "all": tuple(BENCHMARKS)}


def parse_benchmarks(spec: str | list[str], benchmark_dir: str | None = None) -> list[tuple[str, str | None]]:
    """``math500,aime24`` / ``standard`` / ``math500=path/to.jsonl`` / ``all=hub`` -> [(name, source)].

    A name alone reads ``<benchmark_dir>/<its file name>`` when ``benchmark_dir`` is given, else its
    embedded copy (source None); ``name=hub`` reads its hub dataset, ``name=path`` that file or hub id.
    """
    items = spec if isinstance(spec, list) else str(spec).split(",")
    out: dict[str, str | None] = {}
    for item in (i.strip() for i in items):
        if not item:
            continue
        name, _, path = item.partition("=")
        name = name.strip()
        names = PRESETS.get(name, (name,))
        for n in names:
            if n not in BENCHMARKS:
                known = ", ".join([*BENCHMARKS, *PRESETS])
                raise UserError(f"unknown benchmark {n!r}; choose from {known} (or name=path for a local file, "
                                f"name=hub for its hub dataset)")
            if path.strip():
                out[n] = path.strip()
            elif benchmark_dir:
                out[n] = str(Path(benchmark_dir).expanduser() / BENCHMARKS[n].file_name)
            else:
                out.setdefault(n, None)
    if not out:
        raise UserError("no benchmark named; choose from " + ", ".join([*BENCHMARKS, *PRESETS]))
    return list(out.items())


# --- loading ------------------------------------------------------------------------------------------------

def _looks_local(spec: str) -> bool:
    return spec.endswith(LOCAL_SUFFIXES) or spec.startswith((".", "/", "~")) or spec.count("/") != 1


def _read_local(bench: Benchmark, path: Path) -> list[dict]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pylist()
        except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
            raise UserError(f"benchmark {bench.name}: cannot read {path} as parquet: {exc}") from None
    if suffix not in (".jsonl", ".json"):
        raise UserError(f"benchmark {bench.name}: {path} is neither .jsonl, .json nor .parquet")
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"benchmark {bench.name}: {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                raise UserError(f"benchmark {bench.name}: {path} row {number} is not valid JSON") from None
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise UserError(f"benchmark {bench.name}: {path} row {number} is not a JSON object")
    return rows


def _read_hub(bench: Benchmark, hub_id: str) -> list[dict]:
    import datasets

    config = bench.hub_config if hub_id == bench.hub_id else None
    try:
        splits = datasets.load_dataset(hub_id, config)
    except Exception as exc:  # noqa: BLE001 - offline, unknown id, gated...: one line either way
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UserError(f"benchmark {bench.name}: cannot load {hub_id!r} from the Hugging Face hub ({first}); "
                        f"offline? --benchmarks {bench.name} reads its embedded copy") from None
    if bench.split in splits:
        return splits[bench.split].to_list()
    if len(splits) == 1:
        return next(iter(splits.values())).to_list()
    raise UserError(f"benchmark {bench.name}: {hub_id} has no split {bench.split!r} (it has {', '.join(splits)})")


def _check_sha256(bench: Benchmark, path: Path) -> None:
    """A file listed in a SOURCES.json beside it (the embedded copies) must still hash to the listed sha256:
    an edited or truncated copy would change every number without saying so."""
    index = path.parent / INDEX
    if not index.is_file():
        return
    try:
        listed = json.loads(index.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"benchmark {bench.name}: {index} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    entry = listed.get(path.name) if isinstance(listed, dict) else None
    if not isinstance(entry, dict) or "sha256" not in entry:
        return  # the index does not list this file: nothing to check against
    expected, actual = entry["sha256"], file_sha256(path)
    if actual != expected:
        raise UserError(f"benchmark {bench.name}: {path} does not match its sha256 in {index} (expected "
                        f"{expected[:12]}..., found {actual[:12]}...); restore the file, or pass a changed "
                        f"copy from elsewhere as {bench.name}=path")


def read_rows(name: str, path: str | None = None) -> tuple[list[dict], str]:
    """The raw rows of benchmark ``name`` and where they came from (a file path or a hub id): ``path`` None
    reads the embedded copy, ``"hub"`` the benchmark's hub dataset."""
    bench = BENCHMARKS[name]
    if path == HUB:
        return _read_hub(bench, bench.hub_id), bench.hub_id
    local = Path(path).expanduser() if path else EMBEDDED / bench.file_name
    if local.is_file():
        _check_sha256(bench, local)
        return _read_local(bench, local), str(local)
    if path is None:
        raise UserError(f"benchmark {name}: its embedded copy {local} is missing (an incomplete install?); "
                        f"read its hub dataset with {name}=hub")
    if _looks_local(path):
        raise UserError(f"benchmark {name}: file not found: {path}")
    return _read_hub(bench, path), path


def _problem(bench: Benchmark, row: dict, number: int, where: str) -> Problem:
    problem_field = next((f for f in bench.problem_fields if f in row), None)
    if problem_field is None:
        raise UserError(f"benchmark {bench.name}: {where} row {number} has none of the fields "
                        f"{', '.join(bench.problem_fields)} (it has {', '.join(map(str, row)) or 'none'})")
    problem = _text(row.get(problem_field))
    if problem is None:
        raise UserError(f"benchmark {bench.name}: {where} row {number} has an empty {problem_field!r}")
    gold = bench.gold(row)
    if gold is None:
        raise UserError(f"benchmark {bench.name}: {where} row {number} has no gold answer "
                        f"(read from {' / '.join(bench.gold_fields)})")
    meta = {f: row.get(f) for f in bench.meta_fields if f in row}
    key = _text(row.get(bench.id_field)) if bench.id_field else None
    group = _text(row.get(bench.source_field)) if bench.source_field else None
    source = f"{bench.name}/{'_'.join(group.lower().split())}" if group else bench.name
    return Problem(f"{bench.name}-{key if key is not None else number - 1}", source, problem, gold, meta, bench.reference(row))


def load_benchmark(name: str, path: str | None = None) -> tuple[list[Problem], str]:
    """The problems of benchmark ``name`` (from ``path``: None for its embedded copy, ``"hub"``, a local file
    or a hub id) and where they came from. Ids are ``<name>-<the row's own id>`` (or its row number); duplicates are refused."""
    if name not in BENCHMARKS:
        raise UserError(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
    rows, where = read_rows(name, path)
    if not rows:
        raise UserError(f"benchmark {name}: {where} holds no rows")
    problems = [_problem(BENCHMARKS[name], row, number, where) for number, row in enumerate(rows, 1)]
    seen: dict[str, int] = {}
    for number, p in enumerate(problems, 1):
        if p.id in seen:
            raise UserError(f"benchmark {name}: {where} row {number} repeats the id of row {seen[p.id]} ({p.id})")
        seen[p.id] = number
    return problems, where


def problems_sha256(problems: list[Problem]) -> str:
    """A hash of what decides the numbers (ids, problems, golds), the same for a file and its hub twin."""
    canonical = json.dumps([[p.id, p.problem, p.answer] for p in problems], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
