"""One adapter per dataset: how its columns map onto (source, problem, solution, gold answer, reasoning).

Every math adapter module defines ``NAME``, ``DEFAULT_INPUT`` (a hub id), ``HUB_CONFIG``,
``DEFAULT_VAL_SIZE``, ``REQUIRED_COLUMNS`` and ``extract(row) -> Example | None`` (``None`` = a malformed
row: a required field missing, null, empty or of the wrong type); one with no source column, whose rows
share one source, defines ``SOURCE`` (its malformed rows are counted under it too). A code adapter
(``KIND = "code"``, see ``mbpp``) goes through step1_data/code_pipeline.py instead and defines what that
module reads. Adding a dataset means adding a module and a line below.
"""

from __future__ import annotations

from r1zero.core.errors import UserError
from step1_data.adapters import deepscaler, gsm8k, hendrycks_math, mbpp, numina
from step1_data.adapters.base import Example, text_field

__all__ = ["Example", "get_adapter", "text_field"]


def get_adapter(name: str):
    adapters = {m.NAME: m for m in (numina, gsm8k, hendrycks_math, deepscaler, mbpp)}
    if name not in adapters:
        raise UserError(f"unknown --dataset {name!r}; choose one of {', '.join(adapters)}")
    return adapters[name]
