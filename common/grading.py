"""r1_zero grading (PROVISIONAL first cut: the grader issue replaces the internals; the API is fixed).

r1_zero_reward_fn(response, ground_truth) -> {"format_reward", "answer_reward", "reward"}
grade_many(responses, ground_truths, *, workers=None, timeout_s=2.0) -> list[dict] with the keys above
plus "extracted_answer" (str | None) and "timeout" (bool).
"""

from __future__ import annotations

import re

from common.prompts import ANSWER_CLOSE, ANSWER_OPEN, THINK_CLOSE_ANSWER_OPEN


def format_ok(response: str) -> bool:
    return THINK_CLOSE_ANSWER_OPEN in response and ANSWER_CLOSE in response


def extract_answer(response: str) -> str | None:
    start = response.rfind(ANSWER_OPEN)
    if start < 0:
        return None
    end = response.find(ANSWER_CLOSE, start)
    if end < 0:
        return None
    return response[start + len(ANSWER_OPEN):end].strip()


def _equal(pred: str, gold: str) -> bool:
    norm = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    if norm(pred) == norm(gold):
        return True
    try:
        from math_verify import parse, verify

        return bool(verify(parse("$" + gold + "$"), parse("$" + pred + "$")))
    except Exception:
        return False


def r1_zero_reward_fn(response: str, ground_truth) -> dict:
    fmt = 1.0 if format_ok(response) else 0.0
    pred = extract_answer(response)
    golds = ground_truth if isinstance(ground_truth, list | tuple) else [ground_truth]
    ans = 1.0 if pred is not None and any(_equal(pred, str(g)) for g in golds) else 0.0
    return {"format_reward": fmt, "answer_reward": ans, "reward": fmt * ans}


def grade_many(responses, ground_truths, *, workers=None, timeout_s=2.0) -> list[dict]:
    out = []
    for i, (r, g) in enumerate(zip(responses, ground_truths, strict=True)):
        if g is None or g == "" or g == []:
            raise ValueError(f"ground truth at index {i} is empty")
        res = r1_zero_reward_fn(r, g)
        out.append({**res, "extracted_answer": extract_answer(r), "timeout": False})
    return out
