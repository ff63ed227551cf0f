"""Writing a split: chosen rows of the map's Arrow files, in a seeded shuffled order, to parquet.

A shuffled gather straight from memory-mapped files touches every page of them for every output chunk
(rows are ~5 KB and the kernel maps files in 64 KB runs), so the page cache of the whole table ends up in
the process's RSS: ~5 GB at 1M rows. Instead this is a two-pass external shuffle with plain reads:
  1. stream the Arrow files once, sending each chosen row to the bucket file of its output chunk;
  2. read each bucket (``chunk_rows`` rows), order it, add the r1_zero ``prompt`` column, append to parquet.
Memory stays at one input batch plus one bucket, whatever the table size; the cost is one extra
sequential write and read of the chosen rows.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from step1_data.pipeline import OUTPUT_COLUMNS, prompt_parts

POS = "__pos"


def _bucket_rows(files: list[str], total_rows: int, idx, tmpdir: str, chunk_rows: int, columns: list[str]):
    """Pass 1: bucket b gets the rows whose output position is in [b * chunk_rows, (b + 1) * chunk_rows)."""
    import numpy as np
    import pyarrow as pa

    pos = np.full(total_rows, -1, dtype=np.int64)
    pos[idx] = np.arange(len(idx))
    n_buckets = max(1, math.ceil(len(idx) / chunk_rows))
    writers, sinks = [None] * n_buckets, [None] * n_buckets
    row0 = 0
    try:
        for name in files:
            with pa.OSFile(name) as source:  # plain reads: the page cache stays out of our RSS
                for batch in pa.ipc.open_stream(source):
                    p = pos[row0 : row0 + batch.num_rows]
                    row0 += batch.num_rows
                    sel = np.flatnonzero(p >= 0)
                    if sel.size == 0:
                        continue
                    bucket = p[sel] // chunk_rows
                    order = np.argsort(bucket, kind="stable")
                    sel, bucket = sel[order], bucket[order]
                    sub = batch.select(columns).take(pa.array(sel))
                    sub = pa.RecordBatch.from_arrays([*sub.columns, pa.array(p[sel])], names=[*columns, POS])
                    bounds = np.searchsorted(bucket, np.arange(n_buckets + 1))
                    for b in np.flatnonzero(np.diff(bounds)):
                        if writers[b] is None:
                            sinks[b] = pa.OSFile(os.path.join(tmpdir, f"{b}.arrow"), "wb")
                            writers[b] = pa.ipc.new_stream(sinks[b], sub.schema)
                        writers[b].write_batch(sub.slice(bounds[b], bounds[b + 1] - bounds[b]))
    finally:
        for w, s in zip(writers, sinks, strict=True):
            if w is not None:
                w.close()
                s.close()
    if row0 != total_rows:
        raise AssertionError(f"map output files hold {row0} rows, the dataset {total_rows}")
    return [os.path.join(tmpdir, f"{b}.arrow") if writers[b] is not None else None for b in range(n_buckets)]


def write_split(files: list[str], total_rows: int, idx, path: Path, chunk_rows: int = 20_000) -> None:
    """Write rows ``idx`` (positions in the concatenated ``files``), in that order, to ``path`` atomically."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = Path(path)
    chunk_rows = max(chunk_rows, math.ceil(len(idx) / 256))  # at most 256 bucket files open at once
    prefix, suffix = prompt_parts()
    schema = pa.schema([(c, pa.string()) for c in OUTPUT_COLUMNS])
    stored = [c for c in OUTPUT_COLUMNS if c != "prompt"]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".shuffle-") as tmpdir:
            buckets = _bucket_rows(files, total_rows, idx, tmpdir, chunk_rows, stored)
            with pq.ParquetWriter(tmp, schema) as writer:
                if len(idx) == 0:
                    writer.write_table(schema.empty_table())
                for bucket in buckets:
                    if bucket is None:
                        continue
                    with pa.OSFile(bucket) as source:
                        part = pa.ipc.open_stream(source).read_all()
                    part = part.take(pc.sort_indices(part.column(POS)))
                    prompt = pc.binary_join_element_wise(prefix, part.column("problem"), suffix, "")
                    columns = {c: prompt if c == "prompt" else part.column(c) for c in OUTPUT_COLUMNS}
                    writer.write_table(pa.table(columns, schema=schema))
                    os.unlink(bucket)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; data files are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
