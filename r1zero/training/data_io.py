"""Reading step 1's data in the training stages: its parquet files, checked against their manifest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from r1zero.core.errors import UserError


def read_step1_parquet(path: Path, columns: Sequence[str]):
    """A step1 parquet file (train or val), with one-line errors for an unreadable file or missing columns."""
    import pandas as pd

    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(f"{path} is not a readable parquet file: {str(exc).splitlines()[0]}") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path} lacks column(s) {', '.join(missing)} (has {', '.join(map(str, df.columns))})")
    for column in ("prompt", "sft_target"):
        if column in columns:
            bad = df.index[df[column].map(lambda v: v is not None and v == v and not isinstance(v, str))]
            if len(bad):
                raise UserError(f"{path}: column {column} must hold text, but row {bad[0]} holds "
                                f"{type(df[column][bad[0]]).__name__}")
    return df


def load_split(data_dir: str | Path, split: str, columns: Sequence[str], *, max_rows: int | None = None):
    """step1's ``<split>.parquet`` as a DataFrame holding ``columns``; refuses another prompt template."""
    from r1zero.core.artifacts import check_manifest

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise UserError(f"--data_dir {data_dir} is not a folder (run step1_data/prepare.py first)")
    check_manifest(data_dir)
    path = data_dir / f"{split}.parquet"
    if not path.is_file():
        raise UserError(f"{path} not found: --data_dir must be step1's output folder with {split}.parquet")
    df = read_step1_parquet(path, columns)
    if df.empty:
        raise UserError(f"{path} has no rows")
    if max_rows is not None and max_rows > 0:
        df = df.iloc[:max_rows]
    return df.reset_index(drop=True)
