"""Seeded train/val split, stratified by ``source``: same sources and seed give the same split."""

from __future__ import annotations

import numpy as np

from r1zero.core.errors import UserError


def allocate(counts: dict[str, int], val_size: int) -> dict[str, int]:
    """Val rows per source, proportional to its size (largest remainder, ties broken by name)."""
    total = sum(counts.values())
    if val_size <= 0 or total == 0:
        return {s: 0 for s in counts}
    exact = {s: val_size * n / total for s, n in counts.items()}
    alloc = {s: int(v) for s, v in exact.items()}
    left = val_size - sum(alloc.values())
    for s in sorted(counts, key=lambda s: (-(exact[s] - alloc[s]), s))[:left]:
        alloc[s] += 1
    return alloc


def stratified_split(sources: list[str], val_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train positions, val positions) into ``sources``; both come out shuffled, seeded."""
    n = len(sources)
    if val_size < 0:
        raise UserError(f"--val_size must be >= 0, got {val_size}")
    if val_size >= n and n > 0:
        raise UserError(f"--val_size {val_size} leaves no training rows: only {n} rows survived the "
                        "filters; pass a smaller --val_size")
    src = np.asarray(sources, dtype=object)
    names, inverse = np.unique(src, return_inverse=True)  # sorted names: order does not depend on input
    counts = {str(name): int(c) for name, c in zip(names, np.bincount(inverse, minlength=len(names)), strict=True)}
    alloc = allocate(counts, val_size)
    rng = np.random.default_rng(seed)
    val_parts, train_parts = [], []
    for k, name in enumerate(names):
        members = rng.permutation(np.flatnonzero(inverse == k))
        take = alloc[str(name)]
        val_parts.append(members[:take])
        train_parts.append(members[take:])
    train = np.concatenate(train_parts) if train_parts else np.zeros(0, dtype=np.int64)
    val = np.concatenate(val_parts) if val_parts else np.zeros(0, dtype=np.int64)
    return rng.permutation(train), rng.permutation(val)
