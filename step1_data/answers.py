"""Gold-answer extraction from reference solutions: the last ``\\boxed{}`` / ``\\fbox{}``, braces matched.

Plain string scanning (``rfind`` plus the grader's brace counter), no regex backtracking: it runs once per
row over ~2 KB solutions, so it sits on prepare.py's hot path. Unlike the grader's ``last_boxed`` (which
reads model output, where a truncated box still holds an answer), gold extraction tells an empty or
unbalanced box apart so that such rows are rejected and counted.
"""

from __future__ import annotations

import re

from r1zero.core.latex import match_braces

BOX_COMMANDS = ("\\boxed", "\\fbox")

# Outcomes of last_boxed(); prepare.py turns the non-"ok" ones into reject reasons.
OK, NO_BOX, EMPTY_BOX, UNBALANCED_BOX = "ok", "no_box", "empty_box", "unbalanced_box"
# Outcomes of adapters whose gold is a column of its own (deepscaler): no solution to reason with, or a
# solution whose last box is not the gold.
NO_SOLUTION, ANSWER_MISMATCH = "no_solution", "answer_mismatch"


def _last_box_start(text: str) -> tuple[int, str]:
    """Index and command of the last ``\\boxed`` / ``\\fbox`` in ``text`` (-1 if none)."""
    best, cmd = -1, ""
    for c in BOX_COMMANDS:
        at = text.rfind(c)
        if at > best:
            best, cmd = at, c
    return best, cmd


def _box_span(text: str, start: int, cmd: str) -> tuple[str, int, int, str]:
    """(status, content_start, end_exclusive, content) of the box command at ``start``."""
    at = start + len(cmd)
    while at < len(text) and text[at] == " ":
        at += 1
    if at < len(text) and text[at] == "{":
        close = match_braces(text, at)
        if close < 0:
            return UNBALANCED_BOX, at, len(text), ""
        content = text[at + 1 : close].strip()
        return (OK if content else EMPTY_BOX), at, close + 1, content
    if at > start + len(cmd):  # "\boxed 5": the argument is the next token (MATH has a few of these)
        m = re.match(r"[^\s$.,;]+", text[at:])
        if m:
            return OK, at, at + m.end(), m.group(0)
    return EMPTY_BOX, at, at, ""


def last_boxed(text: str) -> tuple[str, str]:
    """(status, answer) for the last box in ``text``; status is one of ok/no_box/empty_box/unbalanced_box."""
    start, cmd = _last_box_start(text)
    if start < 0:
        return NO_BOX, ""
    status, _, _, content = _box_span(text, start, cmd)
    return status, content


def unwrap_boxes(text: str) -> str:
    """Replace every ``\\boxed{x}`` / ``\\fbox{x}`` by ``x`` (the answer moves to the <answer> tag)."""
    if "\\boxed" not in text and "\\fbox" not in text:
        return text
    out, pos = [], 0
    while True:
        starts = [(text.find(c, pos), c) for c in BOX_COMMANDS]
        starts = [(s, c) for s, c in starts if s >= 0]
        if not starts:
            break
        start, cmd = min(starts)
        status, _, end, content = _box_span(text, start, cmd)
        if status != OK:
            break
        out.append(text[pos:start])
        out.append(content)
        pos = end
    out.append(text[pos:])
    return "".join(out)


_GSM8K_CALC = re.compile(r"<<[^<>]*>>")


def split_gsm8k(answer_field: str) -> tuple[str, str | None]:
    """GSM8K's ``answer`` field -> (reasoning without calculator annotations, gold after ``#### ``)."""
    head, sep, tail = answer_field.rpartition("####")
    if not sep:
        return answer_field, None
    gold = tail.strip().replace(",", "")
    reasoning = _GSM8K_CALC.sub("", head).strip()
    return reasoning, gold or None
