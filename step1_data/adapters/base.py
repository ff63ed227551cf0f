"""What every adapter returns: one ``Example`` per row."""

from __future__ import annotations

from typing import NamedTuple


class Example(NamedTuple):
    source: str
    problem: str
    solution: str
    status: str  # "ok" or a step1_data.answers status (no_box, empty_box, unbalanced_box, no_solution, ...)
    answer: str
    reasoning: str  # the solution as it will appear before </think> (boxes unwrapped)


def text_field(value) -> str | None:
    """A usable text field: a non-blank string, else None (the row is malformed)."""
    return value if isinstance(value, str) and value.strip() else None
