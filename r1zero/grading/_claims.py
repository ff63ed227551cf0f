"""What an answer states: its candidate final answers, the relations it claims and the hedges around them.

The policy is an adversary of its reward, so the grader first reads an answer as a strict reader would, and
only then compares (docs/grader.md, "One final answer"). A reading is deterministic: it never tries several
readings and keeps the one that matches, which is what a hedge ("12 or 7") exploits.

- **Boxes** are answers: every box of the answer region is a candidate, with the math around it
  (``x = \\boxed{5}``, ``43 = \\boxed{42}``).
- **Statements.** Without boxes, the answer is stated by the sentences that name it ("the answer",
  "result", "solution", "final", "therefore", "thus", "hence", "that is"/"i.e."), or else by the last
  sentence: each states the value after its last "is", "are", "equals", "=" or ": " ("the sum of the first
  $10$ terms is $55$" states 55), or, without one, its last value. Beside boxes, such a sentence that states
  another value ("the answer is 7. \\boxed{12}") adds a candidate.
- **Hedges.** A hedge word ("or", "maybe", "possibly", "perhaps", ...) in a stating sentence (or beside a
  box) makes every value of that sentence a candidate; inside a box or span, "or" and "and" list items.
- **Relations.** A candidate ``x = 2 + 3 = 5`` is a chain. A leading name (``x``, ``a_n``, ``f(3)``, ``AB``)
  is a label; the last value is the answer; every other *constant* must equal it (``43 = 42`` is false,
  so wrong; an expression in variables, ``x - p = 2 - 2p``, names a quantity and is not checked). A value
  after ``\\approx`` only has to round to the answer (``\\sqrt{3} \\approx 1.732``; ``7 \\approx 42`` is
  false). An inequality (``x > 41``) states no value: it only answers a gold that is itself a relation.
- **Plus-minus.** ``\\pm 42`` is two answers, 42 and -42.
- **Negations and bounds** ("not 42", "42 or more", "at least 42") state nothing.

``r1zero.grading.grader`` then requires every candidate to equal a gold with one answer (so two *different*
candidates score 0, and the same value twice is one answer), or the candidates to be exactly the answers of
a gold with several. All work is linear in the text, with at most ``MAX_CANDIDATES`` candidates.
``read_answer(region, scope)`` returns the ``Reading``; ``signals`` turns one into the reward-hacking
monitor's flags (several candidates, a relation as the answer, a cover-all answer, the answer's length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from r1zero.grading._normalize import light_clean, normalize, strip_emphasis, unwrap_text
from r1zero.grading._relations import PLUS_MINUS, Candidate, chain
from r1zero.grading._statements import MAX_CANDIDATES, read_block, read_tail

MAX_REGION_CHARS = 10_000  # a longer answer block is one candidate (and wrong: r1zero.grading.grader)
_COVER_ALL = re.compile(
    r"\\mathbb\s*\{?[RZCNQ]\}?|\(\s*-\s*\\infty\s*,\s*\+?\s*\\infty\s*\)|\\emptyset|\\varnothing"
    r"|\b(?:any|all|every|arbitrary|infinitely|whatever|none)\b|^(?![A-E]$)[a-zA-Z]$", re.IGNORECASE)
_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script (４２, ٤٢)


def _unicode_relations() -> dict[int, str]:
    """Unicode relation and arrow symbols as the LaTeX the reader checks, so ``43 ⇒ 42`` and ``x ⩾ 42`` mean
    what ``43 \\Rightarrow 42`` and ``x \\geq 42`` mean; fullwidth ASCII (``＝``, ``ｏｒ``) as ASCII."""
    table = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    arrows = [*range(0x2190, 0x2200), *range(0x27F0, 0x2800), *range(0x2900, 0x2980), *range(0x2794, 0x27C0)]
    table.update({c: " \\Rightarrow " for c in arrows})
    table.update({ord(c): " \\Rightarrow " for c in "∴∵"})
    table.update({ord(c): " = " for c in "﹦⩵⩶⩷⁼₌≡≣≐≑≔≕≜≝≞"})
    table.update({ord(c): " \\approx " for c in "≃≅∼≈≒≓≊≋"})
    table.update({ord(c): " \\leq " for c in "≤⩽≦"} | {ord(c): " \\geq " for c in "≥⩾≧"})
    table.update({ord(c): " \\lor " for c in "∨⋁⊕⊻"})
    table.update({ord(c): " \\neq " for c in "≠≢≉∉≟∝∣‖¬"})  # relations that state no value
    return table


_UNICODE_RELATIONS = _unicode_relations()
_PLAIN_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Reading:
    """What an answer region states."""

    candidates: tuple[Candidate, ...]
    length: int  # characters of the answer region

    @property
    def finals(self) -> list[str]:
        """The different values the candidates commit to, each as first written: the same value written twice
        (``12 $`` and ``12``: equal after normalisation) is one answer."""
        distinct: dict[str, str] = {}
        for c in self.candidates:
            distinct.setdefault(normalize(c.final) or c.final, c.final)
        return list(distinct.values())

    @property
    def several(self) -> bool:
        """More than one different candidate."""
        return len(self.finals) > 1

    @property
    def relation(self) -> bool:
        """An answer that is a relation beyond ``name = value``: a chain of values, an approximation or an
        inequality."""
        return any(c.checks or c.relation in ("inequality", "approx") for c in self.candidates)

    @property
    def cover_all(self) -> bool:
        """An answer that covers everything or commits to nothing: a bare variable, ``\\mathbb{R}``,
        ``(-\\infty, \\infty)``, ``\\pm``, an inequality, "any real number", an empty answer."""
        return not self.candidates or any(
            c.relation == "inequality" or PLUS_MINUS.search(c.text) or not c.final.strip()
            or _COVER_ALL.search(light_clean(unwrap_text(c.final))) is not None for c in self.candidates)


SIGNALS = ("several_answers", "relation_answer", "cover_all_answer", "answer_chars")  # the monitor's keys


def signals(reading: Reading | None) -> dict:
    """The reward-hacking monitor's flags for one response (``None``: no answer region), keyed by ``SIGNALS``."""
    if reading is None:
        return dict(zip(SIGNALS, (False, False, False, 0), strict=True))
    return dict(zip(SIGNALS, (reading.several, reading.relation, reading.cover_all, reading.length), strict=True))


def read_answer(region: str, scope: str = "block") -> Reading:
    """The candidates ``region`` states. ``scope``: ``"block"`` for an answer block (all of it is the answer)
    or ``"tail"`` for a whole response (the ``boxed`` template: every box, and what is said in the last box's
    sentence and after it; the reasoning before is not the answer)."""
    text = _DIGIT.sub(lambda m: str(int(m.group())), region.strip().translate(_UNICODE_RELATIONS))  # ４２ is 42
    text = strip_emphasis(text)
    if _PLAIN_NUMBER.fullmatch(text):  # the common case ("42", "-3.5", "1,000"): one candidate, nothing to read
        return Reading((Candidate(text, text),), len(region))
    if scope == "tail":
        texts = read_tail(text)
    elif len(text) > MAX_REGION_CHARS:
        texts = [text]
    else:
        texts = read_block(text)
    candidates: list[Candidate] = []
    for t in texts:
        for c in chain(t):
            if c not in candidates:
                candidates.append(c)
    if len(candidates) > MAX_CANDIDATES:  # more answers than one reads: it commits to none of them
        return Reading((), len(region))
    return Reading(tuple(candidates), len(region))
