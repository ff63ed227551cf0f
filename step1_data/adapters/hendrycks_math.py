"""Hendrycks MATH (12,500 problems; the hub copy DigitalLearningGmbH/MATH-lighteval has 7,500 train /
5,000 test): columns problem, solution, type (the subject), level.

Gold answer: the last ``\\boxed{}`` of the solution. ``source`` is ``math/<subject>`` (for example
``math/counting_and_probability``), so the source-stratified split is stratified by subject: with the
default val size of 500 on the 7,500 train problems this gives GRAIL's 7,000 train / 500 val.
"""

from step1_data.adapters.base import Example, text_field
from step1_data.answers import last_boxed, unwrap_boxes

NAME = "math"
DEFAULT_INPUT = "DigitalLearningGmbH/MATH-lighteval"
HUB_CONFIG = None
DEFAULT_VAL_SIZE = 500
REQUIRED_COLUMNS = ("problem", "solution", "type")


def subject_source(subject: str) -> str:
    return "math/" + "_".join(subject.lower().replace("&", " and ").replace("-", " ").split())


def extract(row: dict) -> Example | None:
    problem, solution, subject = (text_field(row.get(c)) for c in REQUIRED_COLUMNS)
    if problem is None or solution is None or subject is None:
        return None
    status, answer = last_boxed(solution)
    return Example(subject_source(subject), problem.strip(), solution, status, answer,
                   unwrap_boxes(solution).strip())
