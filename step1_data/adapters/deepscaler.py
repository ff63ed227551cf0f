"""agentica-org/DeepScaleR-Preview-Dataset (40,315 train rows; the hub's one file is ``deepscaler.json``, a
JSON list): columns problem, answer, solution. AIME, AMC, Omni-MATH and STILL problems, with no source
column, so every row has source ``deepscaler``.

Gold answer: the ``answer`` column (stripped), not a box of the solution. The solution only feeds the SFT
target's reasoning, so it must not contradict the gold:
  - answer missing, null, blank or with nothing the grader reads as a gold -> ``no_answer`` (a hub
    discussion reports 6 rows without an answer);
  - solution missing, null or blank -> ``no_solution`` (nothing to reason with in the SFT target);
  - the solution's last box is empty or never closes -> ``empty_box`` / ``unbalanced_box``;
  - its last box does not equal the answer by the project's grader -> ``answer_mismatch``;
  - no box at all -> kept: the reasoning is the solution as written.
A problem that is missing, null or blank, or a field that is not text, is ``malformed``.
"""

from step1_data.adapters.base import Example, text_field
from step1_data.answers import ANSWER_MISMATCH, NO_BOX, NO_SOLUTION, OK, last_boxed, unwrap_boxes

NAME = "deepscaler"
DEFAULT_INPUT = "agentica-org/DeepScaleR-Preview-Dataset"
HUB_CONFIG = None
DEFAULT_VAL_SIZE = 500
REQUIRED_COLUMNS = ("problem", "answer", "solution")
SOURCE = "deepscaler"
# Generous: a pair the grader's workers have to settle must not time out on a busy machine, or the same
# input would give different files.
AGREE_TIMEOUT_S = 10.0


def has_gold(answer: str) -> bool:
    """True when the reward can read a gold from ``answer`` (``####`` alone, say, leaves none)."""
    from r1zero.grading import gold_answers

    return bool(answer) and bool(gold_answers(answer))


def box_agrees(box: str, gold: str) -> bool:
    """True when ``box`` is ``gold`` by the reward's own grader (so the SFT target's last box would score)."""
    from r1zero.core.prompts import build_response
    from r1zero.grading import grade_many

    result = grade_many([build_response("", box)], [gold], workers=1, timeout_s=AGREE_TIMEOUT_S)[0]
    return result["answer_reward"] == 1.0


def extract(row: dict) -> Example | None:
    problem, answer, solution = (row.get(c) for c in REQUIRED_COLUMNS)
    if text_field(problem) is None or not all(v is None or isinstance(v, str) for v in (answer, solution)):
        return None
    problem, answer, solution = problem.strip(), (answer or "").strip(), solution or ""
    if not has_gold(answer):
        return Example(SOURCE, problem, solution, NO_BOX, "", "")
    if not solution.strip():
        return Example(SOURCE, problem, solution, NO_SOLUTION, answer, "")
    status, box = last_boxed(solution)
    if status == OK and not box_agrees(box, answer):
        status = ANSWER_MISMATCH
    elif status == NO_BOX:
        status = OK
    return Example(SOURCE, problem, solution, status, answer, unwrap_boxes(solution).strip())
