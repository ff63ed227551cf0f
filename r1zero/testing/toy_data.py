"""Small step1-layout data (train/val parquet + manifest) of two-digit additions, for tests, smoke runs and
the GPU check: it stands in for step1's output where preparing real data would cost more than the test."""

from __future__ import annotations

from pathlib import Path


def write_toy_dataset(data_dir: str | Path, n_train: int = 48, n_val: int = 16, seed: int = 0) -> Path:
    """Small two-digit-addition data in step1's layout (train/val parquet + manifest), for tests and smoke runs.

    Columns match step1: id, source, problem, answer, solution, prompt, sft_target.
    """
    import random

    import pandas as pd

    from r1zero.core.artifacts import atomic_write_parquet, write_manifest
    from r1zero.core.prompts import build_prompt, build_response

    rng = random.Random(seed)
    rows = []
    for i in range(n_train + n_val):
        a, b = rng.randint(10, 49), rng.randint(10, 49)
        problem = f"What is {a} + {b}?"
        reasoning = f"{a} + {b} = {a + b}."
        rows.append({"id": f"toy-{i}", "source": "toy_add" if i % 2 else "toy_add_b", "problem": problem,
                     "answer": str(a + b), "solution": reasoning, "prompt": build_prompt(problem),
                     "sft_target": build_response(reasoning, str(a + b))})
    out = Path(data_dir)
    atomic_write_parquet(out / "train.parquet", pd.DataFrame(rows[:n_train]))
    atomic_write_parquet(out / "val.parquet", pd.DataFrame(rows[n_train:]))
    write_manifest(out, "toy_data", {"n_train": n_train, "n_val": n_val, "seed": seed}, seed=seed)
    return out
