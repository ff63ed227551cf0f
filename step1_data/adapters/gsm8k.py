"""openai/gsm8k (config ``main``; 7,473 train / 1,319 test): columns question, answer.

Gold answer: what follows ``#### `` in ``answer`` (thousands commas removed). The reasoning is the text
before it with the ``<<48/2=24>>`` calculator annotations removed. Every row has source ``gsm8k``.
To train on train and validate on the official test split, prepare each split (``--split test``).
"""

from step1_data.adapters.base import Example, text_field
from step1_data.answers import NO_BOX, OK, split_gsm8k

NAME = "gsm8k"
DEFAULT_INPUT = "openai/gsm8k"
HUB_CONFIG = "main"
DEFAULT_VAL_SIZE = 500
REQUIRED_COLUMNS = ("question", "answer")


def extract(row: dict) -> Example | None:
    problem, solution = text_field(row.get("question")), text_field(row.get("answer"))
    if problem is None or solution is None:
        return None
    reasoning, gold = split_gsm8k(solution)
    return Example("gsm8k", problem.strip(), solution, OK if gold else NO_BOX, gold or "", reasoning)
