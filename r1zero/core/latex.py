"""Reading LaTeX's structure without doing any math: matching braces, the boxes an answer sits in, and commas
outside brackets. Shared by the prompt templates (which region of a response is the answer), the grader and the
benchmark loaders. Every scan is linear in the text."""

from __future__ import annotations

import re
from collections.abc import Iterator

BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*")  # where a box starts
_BARE_BOX_TOKEN = re.compile(r"[^\s$]*")  # "\boxed 5": up to the next space or dollar (matched in place: linear)


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (or ``\\fbox``, or ``\\boxed 5``) in ``text``, else None.

    An unclosed box takes the rest of the text: a truncated box still holds the model's answer.
    """
    matches = list(BOX_RE.finditer(text))
    if not matches:
        return None
    m = matches[-1]
    i = m.end()
    if i >= len(text):
        return None
    if text[i] != "{":  # "\boxed 5": up to the next space or delimiter
        return _BARE_BOX_TOKEN.match(text, i).group() or None
    close = match_braces(text, i)
    return text[i + 1 : close] if close >= 0 else text[i + 1 :]


def boxes(text: str) -> Iterator[tuple[int, int, str, str]]:
    """Every outermost box of ``text``, in order, as (start, end, content, kind): kind ``"braces"`` for
    ``\\boxed{...}``/``\\fbox{...}``, ``"bare"`` for ``\\boxed 5`` (up to the next space or dollar), ``"open"``
    for an unclosed box, which takes the rest of the text and is the last. A box inside another one, or glued
    inside a bare box's token (``\\boxed5\\boxed{3}``), is part of it."""
    after = 0
    for m in BOX_RE.finditer(text):
        i = m.end()
        if m.start() < after or i >= len(text):
            continue  # nested in a box already taken, or nothing follows
        if text[i] != "{":
            content = _BARE_BOX_TOKEN.match(text, i).group()  # matched in place: no copy of the rest of the text
            after = i + len(content)
            yield m.start(), after, content, "bare"
            continue
        close = match_braces(text, i)
        if close < 0:
            yield m.start(), len(text), text[i + 1:], "open"
            return
        after = close + 1
        yield m.start(), after, text[i + 1:close], "braces"


def all_boxed(text: str) -> list[str]:
    """Contents of every closed ``\\boxed{}`` / ``\\fbox{}`` (or ``\\boxed 5``) in ``text``, outermost only, in order."""
    return [content for _, _, content, kind in boxes(text) if kind == "braces" or kind == "bare" and content]


def match_braces(text: str, open_at: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_at``, or -1 if it never closes."""
    depth = 0
    for j in range(open_at, len(text)):
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


def split_top_level(s: str) -> list[str] | None:
    """Split on commas outside any brackets; None for unbalanced brackets."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(s):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif c == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    if depth != 0:
        return None
    parts.append(s[start:])
    return parts
