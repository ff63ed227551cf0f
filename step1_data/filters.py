"""Row filters and the reject reasons they produce.

Each rejected row gets exactly one reason, the first that applies in ``REASONS`` order, so
``input_rows == kept_rows + sum(rejected.values())`` always holds.
"""

from __future__ import annotations

import re

REASONS = (
    "malformed",          # a required field missing, null, empty or of the wrong type; an unparsable line
    "proof",              # asks to prove / show something, or has no box and ends in a QED mark
    "no_answer",          # no \boxed{} (GSM8K: no "####"; DeepScaleR: a blank answer)
    "no_solution",        # DeepScaleR: a blank solution (no reasoning for the SFT target)
    "empty_box",          # \boxed{} with nothing inside
    "unbalanced_box",     # \boxed{ whose braces never close
    "answer_mismatch",    # DeepScaleR: the solution's last box is not the answer column (by the grader)
    "multiple_choice",    # (A)...(B) options or a letter answer (only with drop_multiple_choice)
    "too_long",           # over a character (or, with a tokenizer, token) limit
    "contaminated",       # shares an n-gram with an eval set (only with decontaminate)
    "duplicate",          # same normalized problem as an earlier row (only with dedupe)
    "max_train_samples",  # kept, but beyond --max_train_samples (not written)
)

_PROOF_ASK = re.compile(r"\b(?:prove|proves|proving|show that|demonstrate that)\b", re.IGNORECASE)
# A solution that ends in a QED mark is a proof when it has no box.
_QED_END = re.compile(r"(?:\\blacksquare|\\square|\\Box|\\qed|\\QED|∎|□|■)[\s$.)\\\]]*$")
_CHOICES = re.compile(r"\(A\)[\s\S]*?\(B\)|textbf\{\s*\(A\)|(?m:^\s*A[.:)]\s[\s\S]*?^\s*B[.:)]\s)")
_LETTER_ANSWER = re.compile(r"^[\s(]*(?:\\text(?:bf)?\{\s*\(?)?\(?([A-E])\)?\s*\}?[\s)]*$")


def is_proof(problem: str, solution: str, has_box: bool) -> bool:
    lower = problem.lower()  # substring pre-check: the regex runs only on the few candidate rows
    if ("prov" in lower or "show that" in lower or "demonstrate that" in lower) and _PROOF_ASK.search(problem):
        return True
    return not has_box and bool(_QED_END.search(solution[-64:]))


def is_multiple_choice(problem: str, answer: str) -> bool:
    if len(answer) <= 16 and _LETTER_ANSWER.match(answer):
        return True
    if "(A)" not in problem and "A." not in problem and "A:" not in problem and "A)" not in problem:
        return False
    return bool(_CHOICES.search(problem))
