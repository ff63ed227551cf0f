"""Duplicate problems: same text after lowercasing, dropping ``$`` and collapsing whitespace."""

from __future__ import annotations

import hashlib

import numpy as np


def problem_key(problem: str) -> str:
    """A short stable digest of the normalized problem (stable across processes, unlike hash())."""
    norm = " ".join(problem.lower().replace("$", "").split())
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=12).hexdigest()


def first_occurrences(keys: list[str]) -> np.ndarray:
    """Boolean mask: True for the first row with each key, in input order."""
    seen: set[str] = set()
    mask = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            mask[i] = True
    return mask
