"""Reading inputs: local .parquet / .jsonl / .json files or hub ids, with one-line errors for mistakes.

A JSON(L) file that Arrow cannot read in one go (a broken line, a field whose type changes between rows,
bytes that are not UTF-8, an escaped lone surrogate such as ``\ud800`` that no UTF-8 text can hold) is read
line by line instead: unparsable lines and wrongly typed fields (text, unless ``column_types`` says
otherwise) become rows flagged ``__malformed__``, which prepare.py counts under ``malformed`` instead of
crashing.
"""

from __future__ import annotations

import json
from pathlib import Path

from r1zero.core.errors import UserError

LOCAL_SUFFIXES = (".parquet", ".jsonl", ".json")
MALFORMED = "__malformed__"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _looks_local(spec: str) -> bool:
    return spec.endswith(LOCAL_SUFFIXES) or spec.startswith((".", "/", "~")) or spec.count("/") > 1


def _decode_record(line: bytes):
    """One JSON line as a Python value, or None when it is not UTF-8, not JSON, or holds a lone surrogate."""
    try:
        record = json.loads(line.decode("utf-8"))
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # a lone surrogate cannot be written back
    except (UnicodeError, ValueError):
        return None
    return record


def _clean_json_lines(path: Path) -> bool:
    """True when every line of a JSON(L) file is UTF-8 without lone surrogates (Arrow may read it then)."""
    with open(path, "rb") as fh:
        for line in fh:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return False
            if (b"\\ud" in line or b"\\uD" in line) and line.strip() and _decode_record(line) is None:
                return False
    return True


def _mixed_types(ds, columns: tuple[str, ...] | None) -> bool:
    """True when datasets (5.x) read a needed column of mixed types as a ``Json`` feature: that decodes the
    text "11" as the number 11, so a file with one numeric answer would turn every integer answer into a
    malformed row. The lenient reader keeps text as text and flags only the wrongly typed rows."""
    import datasets

    json_feature = getattr(datasets, "Json", ())  # absent before datasets 5: isinstance(x, ()) is False
    return any(isinstance(ds.features.get(c), json_feature) for c in (columns or ds.column_names))


def _read_json_lenient(path: Path, columns: tuple[str, ...] | None, column_types: dict | None = None):
    """Line-by-line JSON(L) reader for files Arrow rejects; keeps the columns (text unless ``column_types``
    names another type), flags bad rows."""
    from datasets import Dataset

    raw = path.read_bytes()
    stripped = raw.lstrip()
    if stripped.startswith((b"{", b"[")) and path.suffix.lower() == ".json":
        whole = _decode_record(stripped)
        if isinstance(whole, dict):
            raise UserError(f"cannot read {path}: expected a JSON list of records or JSON lines, "
                            f"got one object with keys {', '.join(list(whole)[:5])}")
        if stripped.startswith(b"[") and whole is None:
            raise UserError(f"cannot read {path}: not valid UTF-8 JSON")
        records = whole if isinstance(whole, list) else None
    else:
        records = None
    if records is None:
        records = [_decode_record(line) for line in raw.splitlines() if line.strip()]
    keys = list(columns) if columns else sorted({k for r in records if isinstance(r, dict) for k in r})
    data: dict[str, list] = {k: [] for k in keys}
    data[MALFORMED] = []
    for r in records:
        bad = not isinstance(r, dict)
        for k in keys:
            v = r.get(k) if isinstance(r, dict) else None
            if v is not None and not isinstance(v, (column_types or {}).get(k, str)):
                bad, v = True, None
            data[k].append(v)
        data[MALFORMED].append(bad)
    if not records:
        raise UserError(f"{path} holds no rows")
    return Dataset.from_dict(data)


def _read_parquet_streaming(path: Path, cache_dir: str | None, columns: tuple[str, ...] | None):
    """Parquet -> a memory-mapped Arrow file -> Dataset, one record batch at a time.

    Reads only the columns we need (NuminaMath's ``messages`` repeats problem and solution) and never
    holds more than one batch in memory, whatever the file's row-group size.
    """
    import tempfile

    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    # all columns when some are missing, so that check_columns can list what the file does have
    wanted = names if columns is None or not set(columns) <= set(names) else [c for c in names if c in columns]
    schema = pa.schema([pf.schema_arrow.field(c) for c in wanted])
    fd, arrow_path = tempfile.mkstemp(dir=cache_dir, prefix=f"{path.stem}.", suffix=".arrow")
    with open(fd, "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in pf.iter_batches(batch_size=10_000, columns=wanted):
            writer.write_batch(batch)
    pa.default_memory_pool().release_unused()
    return datasets.Dataset.from_file(arrow_path)


def load_table(spec: str, *, split: str = "train", hub_config: str | None = None, cache_dir: str | None = None,
               columns: tuple[str, ...] | None = None, what: str = "input", column_types: dict | None = None):
    """A ``datasets.Dataset`` from a local file or a hub id (``split`` and ``hub_config`` apply to hub ids)."""
    import datasets

    path = Path(spec).expanduser()
    if path.is_dir():
        raise UserError(f"{what} {spec} is a folder; pass its .parquet/.jsonl/.json files (a shell glob "
                        "works: --input dir/*.parquet) or a hub id")
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            try:
                return _read_parquet_streaming(path, cache_dir, columns)
            except UserError:
                raise
            except Exception as exc:
                raise UserError(f"cannot read {spec} as parquet: {_first_line(exc)}") from None
        if suffix in (".jsonl", ".json"):
            if _clean_json_lines(path):
                try:
                    ds = datasets.Dataset.from_json(str(path), cache_dir=cache_dir)
                except Exception:  # noqa: BLE001 - Arrow rejects it: read it line by line instead
                    ds = None
                if ds is not None and not _mixed_types(ds, columns):
                    return ds
            return _read_json_lenient(path, columns, column_types)
        raise UserError(f"cannot read {what} {spec}: unsupported format {suffix or '(no suffix)'}; "
                        f"use {', '.join(LOCAL_SUFFIXES)} or a hub id")
    if _looks_local(spec):
        raise UserError(f"{what} file not found: {spec}")
    try:
        return datasets.load_dataset(spec, hub_config, split=split)
    except Exception as exc:
        raise UserError(f"cannot load {what} {spec!r} (split {split!r}) from the Hugging Face hub: "
                        f"{_first_line(exc)}. Offline? Pass a local .parquet/.jsonl/.json file") from None


def check_columns(ds, required: tuple[str, ...], spec: str, dataset: str) -> None:
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise UserError(f"{spec} lacks column(s) {', '.join(missing)} needed by --dataset {dataset} "
                        f"(it has: {', '.join(ds.column_names) or 'none'})")
