"""AI-MO/NuminaMath-CoT (859,494 train rows): columns source, problem, solution (and messages, unused).

Gold answer: the last ``\\boxed{}`` / ``\\fbox{}`` of the solution. Split: stratified by ``source``.
"""

from step1_data.adapters.base import Example, text_field
from step1_data.answers import last_boxed, unwrap_boxes

NAME = "numina"
DEFAULT_INPUT = "AI-MO/NuminaMath-CoT"
HUB_CONFIG = None
DEFAULT_VAL_SIZE = 5000
REQUIRED_COLUMNS = ("source", "problem", "solution")


def extract(row: dict) -> Example | None:
    source, problem, solution = (text_field(row.get(c)) for c in REQUIRED_COLUMNS)
    if source is None or problem is None or solution is None:
        return None
    status, answer = last_boxed(solution)
    return Example(source.strip(), problem.strip(), solution, status, answer, unwrap_boxes(solution).strip())
