"""One adapter per dataset: how its columns map onto (source, problem, solution, gold answer, reasoning).

Every math adapter module defines ``NAME``, ``DEFAULT_INPUT`` (a hub id), ``HUB_CONFIG``,
``DEFAULT_VAL_SIZE``, ``REQUIRED_COLUMNS`` and ``extract(row) -> Example | None`` (``None`` = a malformed
row: a required field missing, null, empty or of the wrong type). A code adapter (``KIND = "code"``, see
``mbpp``) goes through step1_data/code_pipeline.py instead and defines what that module reads. Adding a
dataset means adding a module and a line below.
"""

from __future__ import annotations

from typing import NamedTuple

from common.errors import UserError


class Example(NamedTuple):
    source: str
    problem: str
    solution: str
    status: str  # "ok" or a step1_data.answers status (no_box, empty_box, unbalanced_box)
    answer: str
    reasoning: str  # the solution as it will appear before </think> (boxes unwrapped)


def text_field(value) -> str | None:
    """A usable text field: a non-blank string, else None (the row is malformed)."""
    return value if isinstance(value, str) and value.strip() else None


def get_adapter(name: str):
    from step1_data.adapters import gsm8k, hendrycks_math, mbpp, numina

    adapters = {m.NAME: m for m in (numina, gsm8k, hendrycks_math, mbpp)}
    if name not in adapters:
        raise UserError(f"unknown --dataset {name!r}; choose one of {', '.join(adapters)}")
    return adapters[name]
